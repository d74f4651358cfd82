//! `logged-models/search` as MLflow's client calls it: a filter on a
//! model's name, metrics, params and tags (`metrics.rmse < 0.5 AND
//! params.alpha = '0.1'`), datasets its metrics were measured on, and an
//! order (`[{"field_name": "metrics.rmse", "ascending": true}]`). An
//! experiment holds few models: they are filtered and sorted in memory.

use super::http::ApiError;
use super::mlflow_experiments::text_holds;
use super::mlflow_fields::Fields;
use crate::runs::filter::{self, Condition, Field, Op};
use crate::store::{LoggedModel, ModelMetric};
use serde_json::Value;
use std::cmp::Ordering;

/// A dataset a metric was measured on; no digest: any of that name.
#[derive(Debug, Clone, PartialEq)]
struct Dataset {
    name: String,
    digest: Option<String>,
}

impl Dataset {
    fn measured(&self, p: &ModelMetric) -> bool {
        p.dataset_name == self.name && self.digest.as_ref().is_none_or(|d| *d == p.dataset_digest)
    }
}

/// One key of the order.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Created,
    Updated,
    Name,
    Id,
    Metric(String),
}

/// What a search asks for.
pub struct Search {
    filter: filter::Filter,
    datasets: Vec<Dataset>,
    order: Vec<(Key, bool)>,
}

impl Search {
    /// The request's `filter`, `datasets` and `order_by`; a clear error
    /// names what is not understood.
    pub fn of(f: &Fields<'_>) -> Result<Search, ApiError> {
        let text = f.string("filter")?.unwrap_or_default();
        let filter =
            filter::parse(&text).map_err(|e| ApiError::bad_request(format!("filter: {e}")))?;
        for c in filter.every_condition() {
            let known = matches!(
                c.field,
                Field::Attribute(filter::Attribute::Name)
                    | Field::Metric(_)
                    | Field::Param(_)
                    | Field::Tag(_)
            );
            if !known {
                return Err(ApiError::bad_request(format!(
                    "filter: logged models are searched by name, metrics, params and tags, not by {:?}",
                    c.field
                )));
            }
        }
        let mut datasets = Vec::new();
        for item in f.list("datasets")? {
            let d = Fields::item(&item, "datasets", datasets.len());
            datasets.push(Dataset {
                name: d.required_string("dataset_name")?,
                digest: d.string("dataset_digest")?.filter(|s| !s.is_empty()),
            });
        }
        let order = f
            .list("order_by")?
            .iter()
            .map(order_key)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Search {
            filter,
            datasets,
            order,
        })
    }

    /// The models that match, in the asked order (else the newest first),
    /// then by id.
    pub fn run<'a>(
        &self,
        models: Vec<LoggedModel>,
        metrics: &'a [ModelMetric],
    ) -> Vec<LoggedModel> {
        let measured = |m: &LoggedModel| -> Vec<&'a ModelMetric> {
            metrics
                .iter()
                .filter(|p| p.model_id == m.id)
                .filter(|p| self.datasets.is_empty() || self.datasets.iter().any(|d| d.measured(p)))
                .collect()
        };
        let mut found: Vec<(LoggedModel, Vec<&ModelMetric>)> = models
            .into_iter()
            .map(|m| {
                let points = measured(&m);
                (m, points)
            })
            .filter(|(_, points)| self.datasets.is_empty() || !points.is_empty())
            .filter(|(m, points)| self.filter.holds(&|c| holds(c, m, points)))
            .collect();
        let newest_first = [(Key::Created, false)];
        let order: &[(Key, bool)] = if self.order.is_empty() {
            &newest_first
        } else {
            &self.order
        };
        found.sort_by(|(a, pa), (b, pb)| {
            order
                .iter()
                .map(|(key, ascending)| {
                    let o = compare(key, (a, pa), (b, pb));
                    if *ascending { o } else { o.reverse() }
                })
                .find(|o| o.is_ne())
                .unwrap_or_else(|| a.id.cmp(&b.id))
        });
        found.into_iter().map(|(m, _)| m).collect()
    }
}

/// `{"field_name": "metrics.rmse", "ascending": false}`; ascending unless said.
fn order_key(item: &Value) -> Result<(Key, bool), ApiError> {
    let f = Fields::item(item, "order_by", 0);
    let field = f.required_string("field_name")?;
    let key = match field.as_str() {
        "creation_timestamp" | "creation_time" => Key::Created,
        "last_updated_timestamp" | "last_update_time" => Key::Updated,
        "name" => Key::Name,
        "model_id" => Key::Id,
        other => match other.strip_prefix("metrics.") {
            Some(metric) if !metric.is_empty() => Key::Metric(metric.to_string()),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "order_by '{other}': one of creation_timestamp, last_updated_timestamp, name, model_id, metrics.<key>"
                )));
            }
        },
    };
    Ok((key, f.bool("ascending")?.unwrap_or(true)))
}

/// A metric's value for a model: its point at the highest step (the
/// latest logged among equals).
fn latest(points: &[&ModelMetric], key: &str) -> Option<f64> {
    points
        .iter()
        .filter(|p| p.key == key)
        .max_by(|a, b| (a.step, a.at).cmp(&(b.step, b.at)))
        .map(|p| p.value)
}

fn compare(
    key: &Key,
    a: (&LoggedModel, &[&ModelMetric]),
    b: (&LoggedModel, &[&ModelMetric]),
) -> Ordering {
    match key {
        Key::Created => a.0.created_at.cmp(&b.0.created_at),
        Key::Updated => a.0.updated_at.cmp(&b.0.updated_at),
        Key::Name => a.0.name.cmp(&b.0.name),
        Key::Id => a.0.id.cmp(&b.0.id),
        // Models without the metric sort last either way round.
        Key::Metric(k) => match (latest(a.1, k), latest(b.1, k)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    }
}

/// Does the model meet the condition?
fn holds(c: &Condition, m: &LoggedModel, points: &[&ModelMetric]) -> bool {
    let json_text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    match &c.field {
        Field::Attribute(_) => text_holds(c, Some(&m.name)),
        Field::Param(key) => text_holds(c, json_text(&m.params_json, key).as_deref()),
        Field::Tag(key) => text_holds(c, json_text(&m.tags_json, key).as_deref()),
        Field::Metric(key) => {
            let (Some(value), filter::Value::Number(wanted)) = (latest(points, key), &c.value)
            else {
                return false;
            };
            match c.op {
                Op::Eq => value == *wanted,
                Op::Ne => value != *wanted,
                Op::Lt => value < *wanted,
                Op::Le => value <= *wanted,
                Op::Gt => value > *wanted,
                Op::Ge => value >= *wanted,
                _ => false,
            }
        }
    }
}
