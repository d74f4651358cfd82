//! Daily batches of data made from a recipe's synthetic example, so the
//! demo's monitoring is measured by the real pipeline: a reference sample,
//! then one batch a day with a drift that builds up on the recipe's own drift
//! columns, a stretch of stale data and a dip in the model's accuracy.

use super::random::Rng;
use crate::domain::ModelFamily;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::fmt::Write as _;

/// What one day's batch looks like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Day {
    /// When the batch arrives (the snapshot's time).
    pub at: DateTime<Utc>,
    /// How far the drift has built up: 0 (none) to 1.
    pub drift: f64,
    /// How many times the model's usual error it makes.
    pub error: f64,
    /// How old the newest row is when the batch arrives, in hours.
    pub lag_hours: f64,
}

/// Day `index` of a history of `len` days arriving at `at`, for a freshness
/// limit of `limit_hours`: steady, then a week of poor accuracy a third of
/// the way in, three days of stale data at two thirds, and a drift that
/// builds up over the last quarter.
pub fn history_day(index: usize, len: usize, limit_hours: f64, at: DateTime<Utc>) -> Day {
    let t = index as f64 / len.max(1) as f64;
    let dip = (len / 3..len / 3 + 7).contains(&index);
    let lapse = (len * 2 / 3..len * 2 / 3 + 3).contains(&index);
    Day {
        at,
        drift: ((t - 0.75) / 0.25).clamp(0.0, 1.0),
        error: if dip { 4.5 } else { 1.0 },
        lag_hours: if lapse {
            limit_hours * 2.0 + 24.0
        } else {
            (limit_hours / 4.0).min(12.0)
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Number { integer: bool },
    Text,
    Date,
    Time,
}

/// One generated column: its values come from the sample rows.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
    /// Moves with the drift.
    drifts: bool,
    /// The mean magnitude of its sample values, the scale of its drift.
    scale: f64,
}

/// A row made from two sample rows: `w` of the way from `a` to `b`.
#[derive(Debug, Clone, Copy)]
struct Blend {
    a: usize,
    b: usize,
    w: f64,
}

/// Makes batches for one recipe: its drift columns, its prediction and
/// label, and its timestamp, each like the example's sample rows.
#[derive(Debug, Clone)]
pub struct BatchMaker {
    family: ModelFamily,
    columns: Vec<Column>,
    prediction: String,
    label: String,
    label_integer: bool,
    timestamp: Option<(String, Kind)>,
    rows: Vec<Value>,
}

impl BatchMaker {
    /// From a manifest and its synthetic example; why not, when the example
    /// lacks what the manifest monitors.
    pub fn new(
        manifest: &Value,
        family: ModelFamily,
        schema: &Value,
        sample_rows: &Value,
    ) -> Result<BatchMaker, String> {
        let text = |p: &str| manifest.pointer(p).and_then(Value::as_str);
        let rows = sample_rows
            .as_array()
            .filter(|r| !r.is_empty())
            .ok_or("the synthetic example has no sample rows")?
            .clone();
        let kind_of = |name: &str| -> Option<Kind> {
            let column = schema
                .get("columns")?
                .as_array()?
                .iter()
                .find(|c| c.get("name").and_then(Value::as_str) == Some(name))?;
            Some(match column.get("type").and_then(Value::as_str)? {
                "integer" | "boolean" => Kind::Number { integer: true },
                "float" => Kind::Number { integer: false },
                "date" => Kind::Date,
                "timestamp" => Kind::Time,
                _ => Kind::Text,
            })
        };
        let (Some(prediction), Some(label)) = (
            text("/monitoring/performance/prediction_column"),
            text("/monitoring/performance/label_column"),
        ) else {
            return Err("the manifest names no prediction and label columns".into());
        };
        let drift_columns: Vec<&str> = manifest
            .pointer("/monitoring/drift/columns")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        // A drift rule on a column drifts it; so do three of the columns,
        // enough for a drift share above the usual thresholds.
        let ruled: Vec<&str> = manifest
            .pointer("/monitoring/alerts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|r| r.get("source").and_then(Value::as_str) == Some("drift"))
            .filter_map(|r| r.get("metric").and_then(Value::as_str))
            .collect();
        let mut columns = Vec::new();
        for (i, name) in drift_columns.iter().enumerate() {
            if *name == prediction || *name == label {
                continue;
            }
            let kind = kind_of(name).ok_or(format!("the example has no column '{name}'"))?;
            let scale = mean_magnitude(&rows, name);
            columns.push(Column {
                name: name.to_string(),
                kind,
                drifts: i < 3 || ruled.contains(name),
                scale,
            });
        }
        let label_integer = matches!(kind_of(label), Some(Kind::Number { integer: true }));
        let timestamp = text("/monitoring/freshness/timestamp_column")
            .and_then(|t| Some((t.to_string(), kind_of(t)?)));
        Ok(BatchMaker {
            family,
            columns,
            prediction: prediction.to_string(),
            label: label.to_string(),
            label_integer,
            timestamp,
            rows,
        })
    }

    /// A batch of `rows` rows for `day`, as CSV text.
    pub fn csv(&self, rng: &mut Rng, rows: usize, day: Day) -> String {
        let mut out = String::new();
        let mut header: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        header.extend([self.prediction.as_str(), self.label.as_str()]);
        if let Some((t, _)) = &self.timestamp {
            header.push(t);
        }
        out.push_str(&header.join(","));
        out.push('\n');
        for i in 0..rows {
            let sample = self.blend(rng);
            let mut cells: Vec<String> = self
                .columns
                .iter()
                .map(|c| self.cell(rng, sample, c, day.drift))
                .collect();
            let (predicted, actual) = self.outcome(rng, sample, day);
            cells.push(number(predicted, false));
            cells.push(number(actual, self.label_integer));
            if let Some((_, kind)) = &self.timestamp {
                // Rows spread over the day before the newest one.
                let age = day.lag_hours + 24.0 * i as f64 / rows.max(1) as f64;
                let when = day.at - Duration::seconds((age * 3600.0) as i64);
                cells.push(match kind {
                    Kind::Time => when.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    _ => when.format("%Y-%m-%d").to_string(),
                });
            }
            let _ = writeln!(out, "{}", cells.join(","));
        }
        out
    }

    /// A row between two sample rows (numbers interpolated, text from the
    /// nearer), so batches are drawn from a smooth distribution rather than
    /// from ten lumps whose mix alone would read as drift.
    fn blend(&self, rng: &mut Rng) -> Blend {
        Blend {
            a: rng.below(self.rows.len()),
            b: rng.below(self.rows.len()),
            w: rng.unit(),
        }
    }

    /// A column's number in a blended row.
    fn number_at(&self, blend: Blend, column: &str) -> Option<f64> {
        let x = self.rows[blend.a].get(column).and_then(as_number)?;
        match self.rows[blend.b].get(column).and_then(as_number) {
            Some(y) => Some(x + (y - x) * blend.w),
            None => Some(x),
        }
    }

    /// One drift column's value for a row like `sample`.
    fn cell(&self, rng: &mut Rng, sample: Blend, c: &Column, drift: f64) -> String {
        let shift = if c.drifts { drift } else { 0.0 };
        match c.kind {
            Kind::Number { integer } => {
                let base = self.number_at(sample, &c.name).unwrap_or(0.0);
                let v = base * (1.0 + 0.1 * gauss(rng)) + shift * 0.35 * c.scale;
                number(if base >= 0.0 { v.max(0.0) } else { v }, integer)
            }
            _ => {
                // Text drifts by favouring the first sample's value.
                let row = if rng.unit() < shift * 0.7 {
                    &self.rows[0]
                } else if sample.w > 0.5 {
                    &self.rows[sample.b]
                } else {
                    &self.rows[sample.a]
                };
                csv_text(row.get(&c.name))
            }
        }
    }

    /// (prediction, label) for a row like `sample`, the model `error` times
    /// as wrong as usual.
    fn outcome(&self, rng: &mut Rng, sample: Blend, day: Day) -> (f64, f64) {
        let error = day.error;
        let label = self.number_at(sample, &self.label).unwrap_or(0.0);
        let predicted = self.number_at(sample, &self.prediction).unwrap_or(label);
        match self.family {
            ModelFamily::NextBestAction => {
                // A well-separated propensity; the outcome drawn from it.
                let p =
                    (logit(predicted.clamp(0.02, 0.98)) * 2.5 + 0.8 * gauss(rng)).clamp(-6.0, 6.0);
                let truth = sigmoid(p);
                let accepted = if rng.unit() < truth { 1.0 } else { 0.0 };
                // Scores drift with the data: the model sees a changed population.
                let seen =
                    sigmoid(p + 0.4 * error * gauss(rng) + (error - 1.0) * 0.6 + 1.5 * day.drift);
                (seen, accepted)
            }
            _ => {
                let actual = (label * (1.0 + 0.2 * gauss(rng))).max(0.0);
                let actual = if self.label_integer {
                    actual.round()
                } else {
                    actual
                };
                let predicted = actual * (1.0 + 0.12 * error * gauss(rng));
                (predicted.max(0.0), actual)
            }
        }
    }
}

fn as_number(v: &Value) -> Option<f64> {
    v.as_f64().or(v.as_bool().map(|b| f64::from(u8::from(b))))
}

fn mean_magnitude(rows: &[Value], name: &str) -> f64 {
    let values: Vec<f64> = rows
        .iter()
        .filter_map(|r| r.get(name).and_then(as_number))
        .map(f64::abs)
        .collect();
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    if mean > 0.0 { mean } else { 1.0 }
}

fn number(v: f64, integer: bool) -> String {
    if integer {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.4}")
    }
}

/// A text cell, quoted when it needs to be.
fn csv_text(v: Option<&Value>) -> String {
    let text = match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// A standard normal draw (Box-Muller).
fn gauss(rng: &mut Rng) -> f64 {
    let u = rng.unit().max(1e-12);
    let v = rng.unit();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
