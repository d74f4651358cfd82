//! Monitoring a model from data: drift of the columns the recipe names,
//! performance when the batch holds predictions and labels, freshness of the
//! newest timestamp, and the recipe's alert rules checked against them.
//! Pure computation over loaded tables; the CLI stores the result.

use crate::domain::{AlertSource, Comparison, ModelFamily, Severity};
use crate::drift::{self, DriftOptions, Table, performance};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};

/// What one ingest measured, as the snapshot's three JSON documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub performance: Value,
    pub drift: Value,
    pub freshness: Value,
}

/// A rule from the manifest's `monitoring.alerts`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct Rule {
    pub name: String,
    pub source: AlertSource,
    pub metric: String,
    pub comparison: Comparison,
    pub threshold: f64,
    pub severity: Severity,
}

/// A rule checked against a snapshot: the value it saw and whether it fired.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evaluation {
    pub rule: Rule,
    pub value: Option<f64>,
    pub fired: bool,
    pub message: String,
}

/// Whether a still-firing rule's `reading` escalates its alert: at least
/// twice as far past the `threshold` as the reading last notified.
pub fn escalates(threshold: f64, notified: f64, reading: f64) -> bool {
    let past = |x: f64| (x - threshold).abs();
    // A hair of tolerance: 0.75 - 0.65 is 0.0999..98 in floating point.
    let twice = 2.0 * past(notified) * (1.0 - 1e-9);
    reading.is_finite() && past(reading) > 0.0 && past(reading) >= twice
}

fn s<'a>(manifest: &'a Value, pointer: &str) -> Option<&'a str> {
    manifest.pointer(pointer).and_then(Value::as_str)
}

/// Computes drift, performance and freshness of `current` against `reference`.
pub fn measure(
    manifest: &Value,
    family: ModelFamily,
    reference: &Table,
    current: &Table,
    now: DateTime<Utc>,
) -> Result<Measured, String> {
    Ok(Measured {
        drift: measure_drift(manifest, reference, current)?,
        performance: measure_performance(manifest, family, current)?,
        freshness: measure_freshness(manifest, current, now)?,
    })
}

/// Drift of the manifest's columns (all shared ones when it names none).
/// A named column either file lacks refuses the batch: a column the recipe
/// monitors is never silently left unmeasured. A column's kind is the
/// recipe's where it declares the column categorical, else the reference's.
fn measure_drift(manifest: &Value, reference: &Table, current: &Table) -> Result<Value, String> {
    let named = drift_columns(manifest);
    for column in &named {
        for table in [reference, current] {
            if table.column(column).is_none() {
                return Err(format!(
                    "{}: no column {column:?} (monitoring.drift.columns names it)",
                    table.name()
                ));
            }
        }
    }
    let in_both = |n: &&str| reference.column(n).is_some() && current.column(n).is_some();
    let options = DriftOptions {
        columns: named.iter().map(|n| n.to_string()).collect(),
        categorical: declared_categorical(manifest)
            .into_iter()
            .filter(|n| named.is_empty() || named.contains(n))
            .filter(in_both)
            .map(str::to_string)
            .collect(),
        ..DriftOptions::default()
    };
    let report = drift::compare(reference, current, &options).map_err(|e| e.to_string())?;
    let threshold = manifest
        .pointer("/monitoring/drift/threshold")
        .and_then(Value::as_f64);
    let mut columns = Map::new();
    let mut drifted = 0usize;
    for c in &report.columns {
        // The manifest's PSI threshold, when it sets one, decides for PSI.
        let psi_drift = threshold.is_some_and(|t| c.psi >= t);
        let is_drift = c.drifted || psi_drift;
        drifted += usize::from(is_drift);
        columns.insert(c.name.clone(), json!({"psi": c.psi, "test": c.test.to_string(), "score": c.score, "threshold": c.threshold, "drifted": is_drift, "ks_pvalue": c.ks_pvalue}));
    }
    let share = drifted as f64 / columns.len() as f64;
    Ok(
        json!({"columns": columns, "drift_share": share, "dataset_drift": share >= drift::DATASET_DRIFT_SHARE, "reference_rows": report.reference_rows, "current_rows": report.current_rows}),
    )
}

/// The columns the manifest names for drift (none: every shared column).
fn drift_columns(manifest: &Value) -> Vec<&str> {
    manifest
        .pointer("/monitoring/drift/columns")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The columns the recipe declares categorical: every `categorical_features`
/// list of its pipeline stages' settings.
fn declared_categorical(manifest: &Value) -> Vec<&str> {
    let stages = manifest
        .pointer("/pipeline/stages")
        .and_then(Value::as_array);
    let mut names: Vec<&str> = stages
        .into_iter()
        .flatten()
        .filter_map(|stage| stage.pointer("/config/categorical_features"))
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The columns [`measure`] reads from a batch: drift's, the prediction and
/// label, the timestamp. Empty when drift looks at every shared column (so
/// every column is needed).
pub fn needed_columns(manifest: &Value) -> Vec<String> {
    let drift = drift_columns(manifest);
    if drift.is_empty() {
        return Vec::new();
    }
    let others = [
        "/monitoring/performance/prediction_column",
        "/monitoring/performance/label_column",
        "/monitoring/freshness/timestamp_column",
    ]
    .into_iter()
    .filter_map(|p| s(manifest, p));
    drift
        .into_iter()
        .chain(others)
        .map(str::to_string)
        .collect()
}

/// Metrics for the family when the batch holds the prediction and label columns.
fn measure_performance(
    manifest: &Value,
    family: ModelFamily,
    current: &Table,
) -> Result<Value, String> {
    let (Some(pred), Some(label)) = (
        s(manifest, "/monitoring/performance/prediction_column"),
        s(manifest, "/monitoring/performance/label_column"),
    ) else {
        return Ok(json!({}));
    };
    let (Some(p), Some(y)) = (current.column(pred), current.column(label)) else {
        return Ok(json!({}));
    };
    // Predictions and labels are numbers: a text value is a bad row, not
    // one to leave out quietly.
    for column in [p, y] {
        if let Some((row, value)) = column.first_text() {
            return Err(drift::DriftError::NotANumber {
                file: current.name().to_string(),
                row,
                column: column.name().to_string(),
                value: crate::text::truncate(&String::from_utf8_lossy(value), 60),
            }
            .to_string());
        }
    }
    // Rows where both are numbers.
    let (actual, predicted): (Vec<f64>, Vec<f64>) = y
        .values()
        .iter()
        .zip(p.values())
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .map(|(a, b)| (*a, *b))
        .unzip();
    if actual.is_empty() {
        return Err(format!(
            "{}: no row has both {pred} and {label} as numbers",
            current.name()
        ));
    }
    let mut out = Map::new();
    let mut put = |name: &str, r: Result<f64, performance::MetricError>| {
        if let Ok(v) = r {
            out.insert(name.to_string(), json!(v));
        }
    };
    match family {
        // Each family's headline metric first: lists show the first.
        ModelFamily::Forecasting => {
            put("wape", performance::wape(&actual, &predicted));
            put("mape", performance::mape(&actual, &predicted));
            put_bias(&mut put, &actual, &predicted);
            put("mae", performance::mae(&actual, &predicted));
            put("rmse", performance::rmse(&actual, &predicted));
        }
        ModelFamily::Pricing => {
            put("mae", performance::mae(&actual, &predicted));
            put("rmse", performance::rmse(&actual, &predicted));
            put("mape", performance::mape(&actual, &predicted));
            put("wape", performance::wape(&actual, &predicted));
            put_bias(&mut put, &actual, &predicted);
        }
        ModelFamily::NextBestAction => {
            put("auc", performance::auc(&actual, &predicted));
            put(
                "accuracy",
                performance::accuracy_from_probabilities(&actual, &predicted),
            );
            put("log_loss", performance::log_loss(&actual, &predicted));
        }
        ModelFamily::LocationScoring => {
            put("mae", performance::mae(&actual, &predicted));
            put("rmse", performance::rmse(&actual, &predicted));
            put("r2", performance::r2(&actual, &predicted));
        }
    }
    Ok(Value::Object(out))
}

/// Bias as the manifests define it, |sum(p - y)| / sum(y), and its sign.
fn put_bias(
    put: &mut impl FnMut(&str, Result<f64, performance::MetricError>),
    actual: &[f64],
    predicted: &[f64],
) {
    put("bias", performance::bias(actual, predicted));
    put("bias_signed", performance::signed_bias(actual, predicted));
}

/// Hours from the newest timestamp in the batch to `now`, against the limit.
fn measure_freshness(
    manifest: &Value,
    current: &Table,
    now: DateTime<Utc>,
) -> Result<Value, String> {
    let Some(column) = s(manifest, "/monitoring/freshness/timestamp_column") else {
        return Ok(json!({}));
    };
    let limit = manifest
        .pointer("/monitoring/freshness/max_staleness_hours")
        .and_then(Value::as_f64)
        .unwrap_or(f64::INFINITY);
    let Some(col) = current.column(column) else {
        return Ok(json!({"timestamp_column": column, "missing": true}));
    };
    let newest = col
        .texts()
        .filter_map(|t| std::str::from_utf8(t).ok())
        .filter_map(parse_time)
        .max();
    let Some(newest) = newest else {
        return Err(format!(
            "{}: column {column} holds no date or time",
            current.name()
        ));
    };
    // A date reads as the end of its day: while that day lasts, its data is
    // as fresh as now, never fresher.
    let newest = newest.min(now);
    let f = performance::freshness(newest.timestamp() as f64, now.timestamp() as f64, limit);
    Ok(
        json!({"timestamp_column": column, "newest": newest.to_rfc3339(), "staleness_hours": f.staleness_hours, "max_staleness_hours": limit, "stale": f.stale}),
    )
}

/// A date (`2026-01-31`, the end of that day) or an RFC 3339 time.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    let d = NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
    d.and_hms_opt(23, 59, 59).map(|x| x.and_utc())
}

/// The manifest's alert rules.
pub fn rules(manifest: &Value) -> Vec<Rule> {
    manifest
        .pointer("/monitoring/alerts")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| serde_json::from_value(r.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Checks every rule against what was measured.
pub fn evaluate(rules: &[Rule], m: &Measured) -> Vec<Evaluation> {
    rules
        .iter()
        .map(|rule| {
            let value = match rule.source {
                AlertSource::Metric => m.performance.get(&rule.metric).and_then(Value::as_f64),
                AlertSource::Drift if rule.metric == "drift_share" => {
                    m.drift.get("drift_share").and_then(Value::as_f64)
                }
                AlertSource::Drift => column_scores(&m.drift)
                    .find(|(column, _)| **column == rule.metric)
                    .map(|(_, score)| score),
                AlertSource::Freshness => {
                    m.freshness.get("staleness_hours").and_then(Value::as_f64)
                }
            };
            let fired = value.is_some_and(|v| rule.comparison.holds(v, rule.threshold));
            let message = match value {
                Some(v) => format!(
                    "{} {} = {v:.4}: {} the rule {} {}",
                    rule.source,
                    rule.metric,
                    if fired { "breaks" } else { "within" },
                    rule.comparison,
                    rule.threshold
                ),
                None => format!(
                    "{} {} not measured in this snapshot",
                    rule.source, rule.metric
                ),
            };
            Evaluation {
                rule: rule.clone(),
                value,
                fired,
                message,
            }
        })
        .collect()
}

/// A snapshot's columns with a drift score (PSI, or a test's score): under
/// "columns" for ingested snapshots, else at the top level.
pub fn column_scores(drift: &Value) -> impl Iterator<Item = (&String, f64)> {
    let columns = drift.get("columns").unwrap_or(drift);
    columns
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let score = v
                .get("psi")
                .or(v.get("score"))
                .and_then(Value::as_f64)
                .or(v.as_f64())?;
            Some((k, score))
        })
}

/// The column with the highest drift score.
pub fn worst_drift(drift: &Value) -> Option<(String, f64)> {
    column_scores(drift)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, v)| (k.clone(), v))
}

/// A snapshot's drift score as the Monitoring tab ranks it: the drift share
/// when the snapshot has one, else its worst column's score, else 0. The one
/// definition: stored with each snapshot, and the database's ranking copies it.
pub fn drift_score(drift: &Value) -> f64 {
    drift
        .get("drift_share")
        .and_then(Value::as_f64)
        .or_else(|| worst_drift(drift).map(|(_, v)| v))
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ranking's score: the share of drifted columns when the snapshot
    /// says, else the worst column by PSI or a test's score, else 0.
    #[test]
    fn drift_score_prefers_the_share_then_the_worst_column() {
        let ingested = json!({"drift_share": 0.5, "columns": {"price": {"psi": 0.9}}});
        assert_eq!(drift_score(&ingested), 0.5);
        let columns = json!({"columns": {"price": {"psi": 0.31}, "qty": {"score": 0.12}}});
        assert_eq!(drift_score(&columns), 0.31);
        assert_eq!(worst_drift(&columns), Some(("price".into(), 0.31)));
        let flat = json!({"price": 0.2, "qty": 0.4, "note": "text"});
        assert_eq!(worst_drift(&flat), Some(("qty".into(), 0.4)));
        assert_eq!(drift_score(&json!({})), 0.0);
        assert_eq!(drift_score(&json!([1, 2])), 0.0);
        assert_eq!(drift_score(&json!({"drift_share": "high"})), 0.0);
    }

    fn table(name: &str, csv: &str) -> Table {
        drift::read_csv(name, csv.as_bytes()).unwrap()
    }

    fn manifest() -> Value {
        let mut m: Value = serde_json::from_str(include_str!(
            "../../../seeds/baselines/pricing/manifest.json"
        ))
        .unwrap();
        m["monitoring"]["performance"] =
            json!({"prediction_column": "pred", "label_column": "units", "metrics": ["mae"]});
        m["monitoring"]["drift"] = json!({"enabled": true, "columns": ["price"], "threshold": 0.1});
        m["monitoring"]["freshness"] =
            json!({"timestamp_column": "day", "max_staleness_hours": 36});
        m["monitoring"]["alerts"] = json!([
            {"name": "mae_high", "source": "metric", "metric": "mae", "comparison": ">", "threshold": 1.0, "severity": "warning"},
            {"name": "price_drift", "source": "drift", "metric": "price", "comparison": ">", "threshold": 0.1, "severity": "critical"},
            {"name": "stale", "source": "freshness", "metric": "staleness_hours", "comparison": ">", "threshold": 36, "severity": "critical"}
        ]);
        m
    }

    /// A batch dated today is fresh (0 hours), not fresher than now.
    #[test]
    fn a_batch_dated_today_is_zero_hours_stale() {
        let data = "day,price,units,pred\n2026-01-05,1,10,10\n2026-01-05,2,10,10\n";
        let now = DateTime::parse_from_rfc3339("2026-01-05T09:26:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let m = measure(
            &manifest(),
            ModelFamily::Pricing,
            &table("ref.csv", data),
            &table("cur.csv", data),
            now,
        )
        .unwrap();
        assert_eq!(m.freshness["staleness_hours"], 0.0, "{}", m.freshness);
        assert_eq!(m.freshness["newest"], "2026-01-05T09:26:00+00:00");
    }

    #[test]
    fn ingest_measures_drift_performance_and_freshness_and_rules_fire() {
        let reference: String = "day,price,units,pred\n".to_string()
            + &(0..100)
                .map(|i| format!("2026-01-01,{i},10,10\n"))
                .collect::<String>();
        let current: String = "day,price,units,pred\n".to_string()
            + &(50..150)
                .map(|i| format!("2026-01-03,{i},10,12\n"))
                .collect::<String>();
        let now = DateTime::parse_from_rfc3339("2026-01-05T11:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        let m = measure(
            &manifest(),
            ModelFamily::Pricing,
            &table("ref.csv", &reference),
            &table("cur.csv", &current),
            now,
        )
        .unwrap();
        // PSI of 0..99 vs 50..149 as in the drift checks.
        let psi = m.drift["columns"]["price"]["psi"].as_f64().unwrap();
        assert!((psi - 7.414532745869386).abs() < 1e-12, "{psi}");
        assert_eq!(m.drift["drift_share"], 1.0);
        assert_eq!(m.performance["mae"], 2.0);
        assert_eq!(m.freshness["staleness_hours"], 36.0);
        assert_eq!(m.freshness["stale"], false);
        let fired: Vec<(String, bool)> = evaluate(&rules(&manifest()), &m)
            .into_iter()
            .map(|e| (e.rule.name, e.fired))
            .collect();
        assert_eq!(
            fired,
            vec![
                ("mae_high".into(), true),
                ("price_drift".into(), true),
                ("stale".into(), false)
            ]
        );
    }

    fn measure_at(manifest: &Value, reference: &str, current: &str) -> Result<Measured, String> {
        let now = DateTime::parse_from_rfc3339("2026-01-05T11:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        measure(
            manifest,
            ModelFamily::Pricing,
            &table("ref.csv", reference),
            &table("batch.csv", current),
            now,
        )
    }

    /// A batch that contradicts what the recipe monitors is refused with
    /// its file, row and column: text where the reference has numbers, a
    /// monitored column it lacks, text among predictions or labels.
    #[test]
    fn a_batch_unlike_the_recipe_or_reference_is_refused() {
        let reference = "day,price,units,pred\n2026-01-01,1.5,10,10\n2026-01-01,2.5,11,10\n";
        let bad_price = "day,price,units,pred\n2026-01-03,1.5,10,10\n2026-01-03,abc,10,10\n";
        assert_eq!(
            measure_at(&manifest(), reference, bad_price).unwrap_err(),
            "batch.csv: row 3, column \"price\": \"abc\" is not a number (the column holds numbers in ref.csv)"
        );
        let no_price = "day,units,pred\n2026-01-03,10,10\n";
        assert_eq!(
            measure_at(&manifest(), reference, no_price).unwrap_err(),
            "batch.csv: no column \"price\" (monitoring.drift.columns names it)"
        );
        let bad_pred = "day,price,units,pred\n2026-01-03,1.5,10,n/a\n";
        assert_eq!(
            measure_at(&manifest(), reference, bad_pred).unwrap_err(),
            "batch.csv: row 2, column \"pred\": \"n/a\" is not a number"
        );
        // Declared categorical by the recipe, a text value is a category.
        let mut declared = manifest();
        declared["pipeline"]["stages"] = json!([{"name": "t", "type": "training", "enabled": true, "config": {"categorical_features": ["price"]}}]);
        let m = measure_at(&declared, reference, bad_price).unwrap();
        // 1.5, 2.5 and "abc": three categories, a chi-square test.
        assert_eq!(
            m.drift["columns"]["price"]["test"], "chisquare",
            "{}",
            m.drift
        );
    }

    /// Twice as far past the limit as last notified escalates; creeping
    /// does not, and neither does a reading back toward the limit.
    #[test]
    fn an_alert_escalates_at_twice_the_distance_past_its_limit() {
        assert!(escalates(0.25, 0.30, 0.35));
        assert!(!escalates(0.25, 0.30, 0.34));
        assert!(!escalates(0.25, 0.30, 0.27));
        // Below a lower limit (higher is better) likewise.
        assert!(escalates(0.75, 0.70, 0.65));
        assert!(!escalates(0.75, 0.70, f64::NAN));
    }

    #[test]
    fn dates_and_times_parse() {
        assert_eq!(
            parse_time("2026-01-31").unwrap().to_rfc3339(),
            "2026-01-31T23:59:59+00:00"
        );
        assert!(parse_time("2026-01-31T06:00:00Z").is_some());
        assert!(parse_time("yesterday").is_none());
    }
}
