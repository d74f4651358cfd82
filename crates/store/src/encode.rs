//! How statements and generated rows are bound for sqlx, written once for
//! both backends: `Encodes` holds for every sqlx database that can encode
//! the values nexml binds, so a backend calls it instead of repeating it.

use crate::db::{Bind, Bulk, Statement, bulk_insert_sql};
use crate::error::{StoreError, StoreResult};
use crate::{BulkRun, BulkSnapshot};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{Arguments, AssertSqlSafe, Database, Encode, IntoArguments, Type};

/// A sqlx query with its values bound, ready to run on a connection.
pub type BoundQuery<DB> = Query<'static, DB, <DB as Database>::Arguments>;

const BULK_RUN_INSERT: &str = "INSERT INTO ml_run (model_id, recipe_id, recipe_version_id, \
    run_type, status, created_by, created_at, updated_at, started_at, finished_at, metrics_json, \
    artifacts_json, logs_text, experiment_id) VALUES ";
const BULK_RUN_COLUMNS: usize = 14;

const BULK_SNAPSHOT_INSERT: &str = "INSERT INTO ml_monitor_snapshot (model_id, captured_at, \
    performance_metrics_json, drift_metrics_json, data_freshness_json, alerts_json, created_by, \
    drift_score) VALUES ";
const BULK_SNAPSHOT_COLUMNS: usize = 8;

pub trait Encodes: Database {
    /// `s` as a query, its values bound.
    fn query(s: Statement) -> StoreResult<BoundQuery<Self>>;
    /// `rows` as many-row inserts of at most `max_binds` values each,
    /// placeholders by position (`?`) when `positional`, else `$N`.
    fn bulk_inserts(
        rows: Bulk<'_>,
        max_binds: usize,
        positional: bool,
    ) -> impl Iterator<Item = BoundQuery<Self>> + Send + '_;
    /// One generated run's values, in `BULK_RUN_INSERT`'s order.
    fn bind_run(query: BoundQuery<Self>, r: &BulkRun) -> BoundQuery<Self>;
    /// One generated snapshot's values, in `BULK_SNAPSHOT_INSERT`'s order.
    fn bind_snapshot(query: BoundQuery<Self>, s: &BulkSnapshot) -> BoundQuery<Self>;
}

impl<DB> Encodes for DB
where
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    String: for<'t> Encode<'t, DB> + Type<DB>,
    Option<String>: for<'t> Encode<'t, DB> + Type<DB>,
    i64: for<'t> Encode<'t, DB> + Type<DB>,
    Option<i64>: for<'t> Encode<'t, DB> + Type<DB>,
    f64: for<'t> Encode<'t, DB> + Type<DB>,
    bool: for<'t> Encode<'t, DB> + Type<DB>,
    Json<Value>: for<'t> Encode<'t, DB> + Type<DB>,
    Option<Json<Value>>: for<'t> Encode<'t, DB> + Type<DB>,
    DateTime<Utc>: for<'t> Encode<'t, DB> + Type<DB>,
    Option<DateTime<Utc>>: for<'t> Encode<'t, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> Json<&'a Value>: Encode<'a, DB> + Type<DB>,
{
    fn query(s: Statement) -> StoreResult<BoundQuery<DB>> {
        let mut args = DB::Arguments::default();
        for b in s.binds {
            match b {
                Bind::Text(v) => args.add(v),
                Bind::OptText(v) => args.add(v),
                Bind::Int(v) => args.add(v),
                Bind::OptInt(v) => args.add(v),
                Bind::Float(v) => args.add(v),
                Bind::Bool(v) => args.add(v),
                Bind::Json(v) => args.add(Json(v)),
                Bind::OptJson(v) => args.add(v.map(Json)),
                Bind::Time(v) => args.add(v),
                Bind::OptTime(v) => args.add(v),
            }
            .map_err(|e| StoreError::Database(sqlx::Error::Encode(e)))?;
        }
        Ok(sqlx::query_with(AssertSqlSafe(s.sql), args))
    }

    fn bulk_inserts(
        rows: Bulk<'_>,
        max_binds: usize,
        positional: bool,
    ) -> impl Iterator<Item = BoundQuery<DB>> + Send + '_ {
        let (len, prefix, width) = match rows {
            Bulk::Runs(runs) => (runs.len(), BULK_RUN_INSERT, BULK_RUN_COLUMNS),
            Bulk::Snapshots(snapshots) => {
                (snapshots.len(), BULK_SNAPSHOT_INSERT, BULK_SNAPSHOT_COLUMNS)
            }
        };
        let per_statement = (max_binds / width).max(1);
        (0..len).step_by(per_statement).map(move |start| {
            let end = len.min(start + per_statement);
            let sql = bulk_insert_sql(prefix, end - start, width, positional);
            let query = sqlx::query(AssertSqlSafe(sql));
            match rows {
                Bulk::Runs(runs) => runs[start..end].iter().fold(query, DB::bind_run),
                Bulk::Snapshots(snapshots) => {
                    snapshots[start..end].iter().fold(query, DB::bind_snapshot)
                }
            }
        })
    }

    fn bind_run(query: BoundQuery<DB>, r: &BulkRun) -> BoundQuery<DB> {
        // updated_at starts as created_at.
        query
            .bind(r.model_id)
            .bind(r.recipe_id)
            .bind(r.recipe_version_id)
            .bind(r.run_type.as_str())
            .bind(r.status.as_str())
            .bind(r.created_by.as_str())
            .bind(r.created_at)
            .bind(r.created_at)
            .bind(r.started_at)
            .bind(r.finished_at)
            .bind(Json(&r.metrics))
            .bind(Json(&r.artifacts))
            .bind(r.logs.as_str())
            .bind(r.experiment_id)
    }

    fn bind_snapshot(query: BoundQuery<DB>, s: &BulkSnapshot) -> BoundQuery<DB> {
        query
            .bind(s.model_id)
            .bind(s.captured_at)
            .bind(Json(&s.performance))
            .bind(Json(&s.drift))
            .bind(Json(&s.freshness))
            .bind(Json(&s.alerts))
            .bind("generate")
            .bind(nexml_core::monitoring::drift_score(&s.drift))
    }
}
