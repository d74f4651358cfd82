//! `experiments/search` as MLflow's client calls it: a filter on the name
//! and tags (`name LIKE 'demand%'`, `tags.nexml.family = 'pricing'`), an
//! order (`name`, `creation_time`, `last_update_time`, `experiment_id`,
//! each `ASC` or `DESC`), a page of `max_results` with its `page_token`,
//! and `view_type` (an archived recipe's experiment is deleted). There are
//! few enough experiments to sort in memory.

use crate::runs::filter::{self, Condition, Field, Op};
use crate::store::{Experiment as Stored, ExperimentTag, Store, StoreError};
use serde_json::Value;
use std::cmp::Ordering;

/// An experiment as MLflow's client sees it, with its tags (a recipe's:
/// `nexml.family` first, then those clients set).
pub struct Experiment {
    pub stored: Stored,
    pub tags: Vec<(String, String)>,
}

impl Experiment {
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The experiments with their tags, read in one statement.
pub async fn with_tags(
    store: &dyn Store,
    experiments: Vec<Stored>,
) -> Result<Vec<Experiment>, StoreError> {
    let stored = store.experiment_tags().await?;
    Ok(experiments
        .into_iter()
        .map(|e| {
            let family = e
                .recipe_family
                .clone()
                .filter(|_| e.own)
                .map(|f| ("nexml.family".to_string(), f));
            let mut tags: Vec<(String, String)> = family.into_iter().collect();
            tags.extend(
                stored
                    .iter()
                    .filter(|t: &&ExperimentTag| t.experiment_id == e.id)
                    .map(|t| (t.key.clone(), t.value.clone())),
            );
            Experiment { stored: e, tags }
        })
        .collect())
}

/// Which experiments a search sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewType {
    ActiveOnly,
    DeletedOnly,
    All,
}

impl ViewType {
    /// MLflow's names (`ACTIVE_ONLY` when not given).
    pub fn parse(text: Option<&str>) -> Result<ViewType, String> {
        match text.unwrap_or("ACTIVE_ONLY") {
            "ACTIVE_ONLY" | "1" => Ok(ViewType::ActiveOnly),
            "DELETED_ONLY" | "2" => Ok(ViewType::DeletedOnly),
            "ALL" | "3" => Ok(ViewType::All),
            other => Err(format!(
                "view_type '{other}': one of ACTIVE_ONLY, DELETED_ONLY, ALL"
            )),
        }
    }

    fn shows(self, e: &Stored) -> bool {
        let deleted = e.deleted;
        match self {
            ViewType::ActiveOnly => !deleted,
            ViewType::DeletedOnly => deleted,
            ViewType::All => true,
        }
    }
}

/// One key of the order: a column and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Created,
    Updated,
    Id,
}

/// What a search asks for.
pub struct Search {
    pub filter: filter::Filter,
    order: Vec<(Column, bool)>,
    pub view: ViewType,
}

impl Search {
    /// The filter and order as MLflow's client sends them; a clear error
    /// names what is not understood.
    pub fn parse(filter_text: &str, order_by: &[String], view: ViewType) -> Result<Search, String> {
        let filter = filter::parse(filter_text).map_err(|e| format!("filter: {e}"))?;
        for c in filter.every_condition() {
            if !matches!(
                c.field,
                Field::Attribute(filter::Attribute::Name) | Field::Tag(_)
            ) {
                return Err(format!(
                    "filter: experiments are searched by name and tags, not by {:?}",
                    c.field
                ));
            }
        }
        let order = order_by
            .iter()
            .map(|o| order_key(o))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Search {
            filter,
            order,
            view,
        })
    }

    /// The matching experiments, in the asked order (else the newest
    /// first), then by id; all of them.
    pub async fn run(&self, store: &dyn Store) -> Result<Vec<Experiment>, StoreError> {
        let all = store.experiments().await?;
        let shown = all.into_iter().filter(|e| self.view.shows(e)).collect();
        let mut found: Vec<Experiment> = with_tags(store, shown)
            .await?
            .into_iter()
            .filter(|e| self.filter.holds(&|c| holds(c, e)))
            .collect();
        // MLflow's order when none is asked: the newest first.
        let newest_first = [(Column::Created, true)];
        let order: &[(Column, bool)] = if self.order.is_empty() {
            &newest_first
        } else {
            &self.order
        };
        found.sort_by(|a, b| {
            let (a, b) = (&a.stored, &b.stored);
            order
                .iter()
                .map(|&(column, descending)| {
                    let o = compare(column, a, b);
                    if descending { o.reverse() } else { o }
                })
                .find(|o| o.is_ne())
                .unwrap_or_else(|| a.id.cmp(&b.id))
        });
        Ok(found)
    }
}

/// "name", "creation_time DESC", "attributes.last_update_time ASC".
fn order_key(text: &str) -> Result<(Column, bool), String> {
    let mut words = text.split_whitespace();
    let field = words.next().unwrap_or_default();
    let field = field
        .strip_prefix("attributes.")
        .or_else(|| field.strip_prefix("attribute."))
        .unwrap_or(field);
    let column = match field {
        "name" => Column::Name,
        "creation_time" => Column::Created,
        "last_update_time" => Column::Updated,
        "experiment_id" => Column::Id,
        other => {
            return Err(format!(
                "order_by '{other}': one of name, creation_time, last_update_time, experiment_id"
            ));
        }
    };
    let descending = match words.next().map(str::to_ascii_uppercase).as_deref() {
        None | Some("ASC") => false,
        Some("DESC") => true,
        Some(other) => return Err(format!("order_by '{text}': ASC or DESC, not '{other}'")),
    };
    Ok((column, descending))
}

fn compare(column: Column, a: &Stored, b: &Stored) -> Ordering {
    match column {
        Column::Name => a.name.cmp(&b.name),
        Column::Created => a.created_at.cmp(&b.created_at),
        Column::Updated => a.updated_at.cmp(&b.updated_at),
        Column::Id => a.id.cmp(&b.id),
    }
}

/// Does the experiment meet the condition?
fn holds(c: &Condition, e: &Experiment) -> bool {
    let text = match &c.field {
        Field::Attribute(_) => Some(e.stored.name.as_str()),
        Field::Tag(key) => e.tag(key),
        _ => None,
    };
    text_holds(c, text)
}

/// Does this text (none: the field is missing) meet the condition? A
/// missing field matches nothing, not even `!=`, as in MLflow (and in the
/// run filter).
pub fn text_holds(c: &Condition, text: Option<&str>) -> bool {
    let Some(text) = text else {
        return false;
    };
    let wanted = |v: &filter::Value| match v {
        filter::Value::Text(t) => Some(t.clone()),
        filter::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match (&c.op, &c.value) {
        (Op::Eq, v) => wanted(v).is_some_and(|w| w == text),
        (Op::Ne, v) => wanted(v).is_none_or(|w| w != text),
        (Op::Like, v) => wanted(v).is_some_and(|p| like(&p, text)),
        (Op::ILike, v) => wanted(v).is_some_and(|p| like(&p.to_lowercase(), &text.to_lowercase())),
        (Op::In, filter::Value::List(list)) => list.iter().filter_map(wanted).any(|w| w == text),
        (Op::NotIn, filter::Value::List(list)) => list.iter().filter_map(wanted).all(|w| w != text),
        _ => false,
    }
}

/// SQL `LIKE`: `%` any run of characters, `_` one.
fn like(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // matched[j]: the pattern so far matches the first j characters.
    let mut matched = vec![false; t.len() + 1];
    matched[0] = true;
    for c in p {
        matched = match c {
            '%' => {
                let mut next = matched.clone();
                for j in 1..=t.len() {
                    next[j] = next[j] || next[j - 1];
                }
                next
            }
            _ => {
                let mut next = vec![false; t.len() + 1];
                for j in 1..=t.len() {
                    next[j] = matched[j - 1] && (c == '_' || c == t[j - 1]);
                }
                next
            }
        };
    }
    matched[t.len()]
}

/// The JSON of an experiments page, with the token of the next one.
pub fn page(experiments: Vec<Value>, offset: usize, limit: usize) -> Value {
    let total = experiments.len();
    let shown: Vec<Value> = experiments.into_iter().skip(offset).take(limit).collect();
    let mut reply = serde_json::json!({"experiments": shown});
    if offset + limit < total {
        reply["next_page_token"] = serde_json::json!((offset + limit).to_string());
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_as_sql_does() {
        assert!(like("demand%", "demand weekly"));
        assert!(like("%weekly", "demand weekly"));
        assert!(like("d_mand", "demand"));
        assert!(!like("demand", "demand weekly"));
        assert!(!like("d_mand", "dmand"));
        assert!(like("%", ""));
    }

    #[test]
    fn an_order_is_a_column_and_a_direction() {
        assert_eq!(order_key("name"), Ok((Column::Name, false)));
        assert_eq!(
            order_key("attributes.creation_time DESC"),
            Ok((Column::Created, true))
        );
        assert!(order_key("owner").unwrap_err().contains("owner"));
        assert!(order_key("name sideways").is_err());
    }

    #[test]
    fn a_view_type_is_one_of_mlflows() {
        assert_eq!(ViewType::parse(None), Ok(ViewType::ActiveOnly));
        assert_eq!(ViewType::parse(Some("ALL")), Ok(ViewType::All));
        assert!(ViewType::parse(Some("SOME")).is_err());
    }
}
