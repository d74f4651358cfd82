//! How statements and generated rows are bound for sqlx, written once for
//! both backends: `Encodes` holds for every sqlx database that can encode
//! the values nexml binds, so a backend calls it instead of repeating it.

use crate::bulk::{Bulk, BulkValue};
use crate::db::{Bind, Statement, bulk_insert_sql};
use crate::error::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{Arguments, AssertSqlSafe, Database, Encode, IntoArguments, Type};

/// A sqlx query with its values bound, ready to run on a connection.
pub type BoundQuery<DB> = Query<'static, DB, <DB as Database>::Arguments>;

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
        let prefix = format!(
            "INSERT INTO {} ({}) VALUES ",
            rows.table(),
            rows.columns().join(", ")
        );
        let width = rows.columns().len();
        let per_statement = (max_binds / width).max(1);
        (0..rows.len()).step_by(per_statement).map(move |start| {
            let end = rows.len().min(start + per_statement);
            let sql = bulk_insert_sql(&prefix, end - start, width, positional);
            (start..end).flat_map(|i| rows.row(i)).fold(
                sqlx::query(AssertSqlSafe(sql)),
                |query, value| match value {
                    BulkValue::Int(n) => query.bind(n),
                    BulkValue::Float(x) => query.bind(x),
                    BulkValue::Text(text) => query.bind(text),
                    BulkValue::Time(t) => query.bind(t),
                    BulkValue::Json(v) => query.bind(Json(v)),
                },
            )
        })
    }
}
