//! Generated rows to insert many at a time (`generate`, the demo): which
//! table and columns they go into and each row's values in that order,
//! written once for the two ways rows go in (many-row `INSERT`s, and
//! PostgreSQL's `COPY ... FROM STDIN`).

use crate::{BulkRun, BulkSnapshot};
use chrono::{DateTime, Utc};
use serde_json::Value;

#[derive(Debug, Clone, Copy)]
pub enum Bulk<'a> {
    Runs(&'a [BulkRun]),
    Snapshots(&'a [BulkSnapshot]),
}

/// One value of a generated row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BulkValue<'a> {
    Int(Option<i64>),
    Float(f64),
    Text(&'a str),
    Time(Option<DateTime<Utc>>),
    Json(&'a Value),
}

const RUN_COLUMNS: &[&str] = &[
    "model_id",
    "recipe_id",
    "recipe_version_id",
    "run_type",
    "status",
    "created_by",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
    "metrics_json",
    "artifacts_json",
    "logs_text",
    "experiment_id",
];

const SNAPSHOT_COLUMNS: &[&str] = &[
    "model_id",
    "captured_at",
    "performance_metrics_json",
    "drift_metrics_json",
    "data_freshness_json",
    "alerts_json",
    "created_by",
    "drift_score",
];

impl<'a> Bulk<'a> {
    pub fn table(&self) -> &'static str {
        match self {
            Bulk::Runs(_) => "ml_run",
            Bulk::Snapshots(_) => "ml_monitor_snapshot",
        }
    }

    /// The columns each row gives, in the order `row` gives them.
    pub fn columns(&self) -> &'static [&'static str] {
        match self {
            Bulk::Runs(_) => RUN_COLUMNS,
            Bulk::Snapshots(_) => SNAPSHOT_COLUMNS,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Bulk::Runs(runs) => runs.len(),
            Bulk::Snapshots(snapshots) => snapshots.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`'s values, one per column.
    pub fn row(&self, i: usize) -> Vec<BulkValue<'a>> {
        match *self {
            Bulk::Runs(runs) => run_values(&runs[i]),
            Bulk::Snapshots(snapshots) => snapshot_values(&snapshots[i]),
        }
    }
}

fn run_values(r: &BulkRun) -> Vec<BulkValue<'_>> {
    use BulkValue::{Int, Json, Text, Time};
    // updated_at starts as created_at.
    vec![
        Int(r.model_id),
        Int(Some(r.recipe_id)),
        Int(Some(r.recipe_version_id)),
        Text(r.run_type.as_str()),
        Text(r.status.as_str()),
        Text(&r.created_by),
        Time(Some(r.created_at)),
        Time(Some(r.created_at)),
        Time(r.started_at),
        Time(r.finished_at),
        Json(&r.metrics),
        Json(&r.artifacts),
        Text(&r.logs),
        Int(Some(r.experiment_id)),
    ]
}

fn snapshot_values(s: &BulkSnapshot) -> Vec<BulkValue<'_>> {
    use BulkValue::{Float, Int, Json, Text, Time};
    vec![
        Int(Some(s.model_id)),
        Time(Some(s.captured_at)),
        Json(&s.performance),
        Json(&s.drift),
        Json(&s.freshness),
        Json(&s.alerts),
        Text("generate"),
        Float(nexml_core::monitoring::drift_score(&s.drift)),
    ]
}

/// `COPY` of the rows' table and columns, from the client in text format.
#[cfg(feature = "postgres")]
pub fn copy_statement(rows: Bulk<'_>) -> String {
    format!(
        "COPY {} ({}) FROM STDIN",
        rows.table(),
        rows.columns().join(", ")
    )
}

/// The rows in `COPY`'s text format: a line per row, values separated by
/// tabs, `\N` for none, and backslashes, tabs and line ends escaped.
#[cfg(feature = "postgres")]
pub fn copy_text(rows: Bulk<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * 256);
    let mut json = Vec::new();
    for i in 0..rows.len() {
        for (k, value) in rows.row(i).into_iter().enumerate() {
            if k > 0 {
                out.push(b'\t');
            }
            write_copy_value(&mut out, &mut json, value);
        }
        out.push(b'\n');
    }
    out
}

#[cfg(feature = "postgres")]
fn write_copy_value(out: &mut Vec<u8>, json: &mut Vec<u8>, value: BulkValue<'_>) {
    use std::io::Write as _;
    match value {
        BulkValue::Int(None) | BulkValue::Time(None) => out.extend_from_slice(b"\\N"),
        BulkValue::Int(Some(n)) => {
            let _ = write!(out, "{n}");
        }
        BulkValue::Float(x) if x.is_nan() => out.extend_from_slice(b"NaN"),
        BulkValue::Float(x) if x.is_infinite() => {
            out.extend_from_slice(if x > 0.0 { b"Infinity" } else { b"-Infinity" })
        }
        BulkValue::Float(x) => {
            let _ = write!(out, "{x}");
        }
        BulkValue::Time(Some(t)) => {
            let _ = write!(out, "{}", t.format("%Y-%m-%d %H:%M:%S%.6f+00"));
        }
        BulkValue::Text(text) => escape_copy(out, text.as_bytes()),
        BulkValue::Json(v) => {
            json.clear();
            // Writing a `Value` into memory cannot fail.
            let _ = serde_json::to_writer(&mut *json, v);
            escape_copy(out, json);
        }
    }
}

#[cfg(feature = "postgres")]
fn escape_copy(out: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

#[cfg(all(test, feature = "postgres"))]
mod tests {
    use super::*;
    use nexml_core::domain::{RunStatus, RunType};
    use serde_json::json;

    #[test]
    fn copy_text_escapes_what_the_format_reserves_and_writes_none_as_null() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T21:05:00.5Z")
            .unwrap()
            .with_timezone(&Utc);
        let run = BulkRun {
            model_id: None,
            recipe_id: 3,
            recipe_version_id: 7,
            experiment_id: 3,
            run_type: RunType::Train,
            status: RunStatus::Queued,
            created_by: "a\tb".into(),
            created_at: at,
            started_at: None,
            finished_at: None,
            metrics: json!({"note": "x\\y\nz"}),
            artifacts: json!({}),
            logs: "line 1\nline 2\r\n".into(),
        };
        let text = String::from_utf8(copy_text(Bulk::Runs(&[run]))).unwrap();
        assert_eq!(
            text,
            "\\N\t3\t7\ttrain\tqueued\ta\\tb\t2026-12-07 21:05:00.500000+00\t\
             2026-12-07 21:05:00.500000+00\t\\N\t\\N\t{\"note\":\"x\\\\\\\\y\\\\nz\"}\t{}\t\
             line 1\\nline 2\\r\\n\t3\n"
        );
        assert_eq!(
            copy_statement(Bulk::Runs(&[])),
            "COPY ml_run (model_id, recipe_id, recipe_version_id, run_type, status, created_by, \
             created_at, updated_at, started_at, finished_at, metrics_json, artifacts_json, \
             logs_text, experiment_id) FROM STDIN"
        );
    }
}
