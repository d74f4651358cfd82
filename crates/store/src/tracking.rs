//! Statements of tracked runs: metric history, params, tags, artifact
//! files, the log in chunks, and the executor's heartbeat and cancel flag.

use crate::db::{Bind, Statement, bind_list, bulk_insert_sql};
use crate::error::StoreResult;
use crate::metric_tiles::{TileDelta, fold_into_tiles, thin_tiles};
use crate::reads::reads;
use crate::records::{
    KeyValue, LatestMetric, LiveExecution, LoggedPoint, MetricPoint, MetricSummary, MetricTile,
    NonFinitePoint, Run, RunArtifact, RunDeletion, RunInput, RunKeyValue, RunModelLink,
};
use crate::session::Session;
use chrono::{DateTime, Utc};
use nexml_core::domain::{RunStatus, RunType};
use serde::Serialize;

/// Bound values per many-row statement: under SQLite's 32,766 and
/// PostgreSQL's 65,535.
const BINDS_PER_STATEMENT: usize = 30_000;

/// Folds a tile's new points into the stored tile (see `add_to_tiles`).
const TILE_UPSERT: &str = " ON CONFLICT (run_id, key, tile) DO UPDATE SET \
    points = ml_run_metric_tile.points + excluded.points, \
    first_step = CASE WHEN excluded.first_step < ml_run_metric_tile.first_step \
        THEN excluded.first_step ELSE ml_run_metric_tile.first_step END, \
    last_step = CASE WHEN excluded.last_step > ml_run_metric_tile.last_step \
        THEN excluded.last_step ELSE ml_run_metric_tile.last_step END, \
    lo_step = CASE WHEN excluded.lo_value < ml_run_metric_tile.lo_value \
        THEN excluded.lo_step ELSE ml_run_metric_tile.lo_step END, \
    lo_at = CASE WHEN excluded.lo_value < ml_run_metric_tile.lo_value \
        THEN excluded.lo_at ELSE ml_run_metric_tile.lo_at END, \
    lo_value = CASE WHEN excluded.lo_value < ml_run_metric_tile.lo_value \
        THEN excluded.lo_value ELSE ml_run_metric_tile.lo_value END, \
    hi_step = CASE WHEN excluded.hi_value > ml_run_metric_tile.hi_value \
        THEN excluded.hi_step ELSE ml_run_metric_tile.hi_step END, \
    hi_at = CASE WHEN excluded.hi_value > ml_run_metric_tile.hi_value \
        THEN excluded.hi_at ELSE ml_run_metric_tile.hi_at END, \
    hi_value = CASE WHEN excluded.hi_value > ml_run_metric_tile.hi_value \
        THEN excluded.hi_value ELSE ml_run_metric_tile.hi_value END";

pub use crate::records::NewMetricPoint;

/// Whether the selected history is every point or a thinned one.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSeries {
    pub points: Vec<MetricPoint>,
    /// The history's size; more than `points.len()` when thinned.
    pub total: i64,
}

/// The params, tags and latest metrics of a page of runs, each list in
/// run order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunsData {
    pub params: Vec<RunKeyValue>,
    pub tags: Vec<RunKeyValue>,
    pub latest_metrics: Vec<LatestMetric>,
    /// The values logged that are not numbers, oldest first per metric.
    pub nonfinite: Vec<NonFinitePoint>,
    /// The runs of the page deleted through MLflow.
    pub deleted: Vec<i64>,
    /// The datasets the page's runs read.
    pub inputs: Vec<RunInput>,
    /// The logged models the page's runs read and produced.
    pub model_links: Vec<RunModelLink>,
}

/// A run with everything it recorded: the `run show` view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunDetail {
    #[serde(flatten)]
    pub run: Run,
    pub params: std::collections::BTreeMap<String, String>,
    pub tags: std::collections::BTreeMap<String, String>,
    /// Each metric's history in brief.
    pub metric_summaries: Vec<MetricSummary>,
    /// Each metric's points (thinned past the limit asked for).
    pub metric_history: std::collections::BTreeMap<String, Vec<HistoryPoint>>,
    pub artifact_files: Vec<RunArtifact>,
    /// What only MLflow's client records: values that are not numbers,
    /// the datasets the run read, and its deletion.
    pub nonfinite_points: Vec<NonFinitePoint>,
    pub inputs: Vec<RunInput>,
    pub deleted_through_mlflow: Option<RunDeletion>,
    /// The models MLflow's client logged in it (MLflow 3's logged models,
    /// deleted ones too), and the registry's versions made from it.
    pub logged_models: Vec<crate::records::LoggedModel>,
    pub registered_versions: Vec<crate::records::RegisteredVersion>,
}

impl RunDetail {
    /// What this run brings to a comparison: its params and the numbers
    /// among its final metrics.
    pub fn compare_side(&self) -> nexml_core::runs::compare::Side {
        let metrics = self
            .run
            .metrics_json
            .as_object()
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| v.as_f64().map(|x| (k.clone(), x)))
                    .collect()
            })
            .unwrap_or_default();
        nexml_core::runs::compare::Side {
            id: self.run.id,
            params: self.params.clone(),
            metrics,
        }
    }
}

/// Points per many-row insert: six values each.
const POINTS_PER_STATEMENT: usize = BINDS_PER_STATEMENT / 6;

/// The points in statement-sized chunks, each with the seq of its first.
fn numbered_chunks(
    points: &[NewMetricPoint],
    seq_base: i64,
) -> impl Iterator<Item = (i64, &[NewMetricPoint])> {
    let seq = move |n: usize| seq_base + (n * POINTS_PER_STATEMENT) as i64;
    points
        .chunks(POINTS_PER_STATEMENT)
        .enumerate()
        .map(move |(n, chunk)| (seq(n), chunk))
}

/// One many-row insert of a run's points into `table` (the history's
/// columns), numbered from `first_seq`, each value bound by `value`. The
/// same (run, key, step, seq) twice can only be one value sent twice (a
/// client's retry): it counts once, and the seqs inserted come back.
fn points_insert(
    table: &str,
    run_id: i64,
    chunk: &[NewMetricPoint],
    first_seq: i64,
    positional: bool,
    value: fn(Statement, f64) -> Statement,
) -> Statement {
    let prefix = format!("INSERT INTO {table} (run_id, key, step, seq, value, at) VALUES ");
    let mut sql = bulk_insert_sql(&prefix, chunk.len(), 6, positional);
    sql.push_str(" ON CONFLICT (run_id, key, step, seq) DO NOTHING RETURNING seq");
    let mut s = Statement::new(sql);
    for (i, p) in chunk.iter().enumerate() {
        let row = s
            .int(run_id)
            .text(p.key.as_str())
            .int(p.step)
            .int(first_seq + i as i64);
        s = value(row, p.value).time(p.at);
    }
    s
}

/// Every many-row insert of a run's points into `table`, a statement-sized
/// chunk each (see `points_insert`), numbered from `seq_base`: each with
/// the seq of its first point and its points.
fn points_inserts<'a>(
    table: &'a str,
    run_id: i64,
    points: &'a [NewMetricPoint],
    seq_base: i64,
    positional: bool,
    value: fn(Statement, f64) -> Statement,
) -> impl Iterator<Item = (i64, &'a [NewMetricPoint], Statement)> {
    numbered_chunks(points, seq_base).map(move |(first_seq, chunk)| {
        let s = points_insert(table, run_id, chunk, first_seq, positional, value);
        (first_seq, chunk, s)
    })
}

/// A point of a metric's history, as `run show` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryPoint {
    pub step: i64,
    pub value: f64,
    /// Milliseconds since the epoch, as MLflow gives them.
    pub timestamp: i64,
}

reads!(
    /// A run with its log, params, tags, artifacts and up to
    /// `history_points` points of each metric's history.
    pub async fn run_detail(&mut self, id: i64, history_points: i64) -> StoreResult<RunDetail> {
        let run = self.run(id).await?;
        let params = self
            .params(id)
            .await?
            .into_iter()
            .map(|p| (p.key, p.value))
            .collect();
        let tags = self
            .tags(id)
            .await?
            .into_iter()
            .map(|p| (p.key, p.value))
            .collect();
        let metric_summaries = self.metric_summaries(id).await?;
        let mut metric_history = std::collections::BTreeMap::new();
        if history_points > 0 {
            for m in &metric_summaries {
                let series = self.metric_series(id, &m.key, history_points).await?;
                let points = series
                    .points
                    .into_iter()
                    .map(|p| HistoryPoint {
                        step: p.step,
                        value: p.value,
                        timestamp: p.at.timestamp_millis(),
                    })
                    .collect();
                metric_history.insert(m.key.clone(), points);
            }
        }
        let artifact_files = self.artifacts(id).await?;
        let nonfinite_points = self
            .fetch::<NonFinitePoint>(
                Statement::new(
                    "SELECT run_id, key, step, seq, value, at FROM ml_run_metric_nonfinite \
                     WHERE run_id = $1 ORDER BY key, step, seq",
                )
                .int(id),
            )
            .await?;
        let inputs = self
            .fetch::<RunInput>(
                Statement::new(
                    "SELECT run_id, name, digest, tags_json, dataset_json FROM ml_run_input \
                     WHERE run_id = $1 ORDER BY name, digest",
                )
                .int(id),
            )
            .await?;
        let deleted_through_mlflow = self
            .fetch::<RunDeletion>(
                Statement::new(
                    "SELECT deleted_at, deleted_by FROM ml_run_deleted WHERE run_id = $1",
                )
                .int(id),
            )
            .await?
            .pop();
        let made = crate::logged_models::LoggedModelQuery {
            run_id: Some(id),
            deleted_too: true,
            limit: 1000,
            ..Default::default()
        };
        let logged_models = self.logged_models(&made).await?;
        let registered_versions = self.registered_versions_of_run(id).await?;
        Ok(RunDetail {
            run,
            params,
            tags,
            metric_summaries,
            metric_history,
            artifact_files,
            nonfinite_points,
            inputs,
            deleted_through_mlflow,
            logged_models,
            registered_versions,
        })
    }

    /// A metric's history in step order: every point when there are at most
    /// `max_points`, else its first and last point and each of
    /// `(max_points - 2) / 2` step buckets as its lowest and highest value,
    /// so a spike survives the thinning. A long history is thinned from its
    /// tiles; a short one from its points.
    pub async fn metric_series(
        &mut self,
        run_id: i64,
        key: &str,
        max_points: i64,
    ) -> StoreResult<MetricSeries> {
        let summary = self
            .metric_summaries(run_id)
            .await?
            .into_iter()
            .find(|m| m.key == key);
        let Some(summary) = summary else {
            return Ok(MetricSeries {
                points: Vec::new(),
                total: 0,
            });
        };
        let total = summary.points;
        if total <= max_points.max(2) {
            let s = Statement::new(
                "SELECT key, step, value, at FROM ml_run_metric WHERE run_id = $1 AND key = $2 \
                 ORDER BY step, seq",
            )
            .int(run_id)
            .text(key);
            let points = self.fetch::<MetricPoint>(s).await?;
            return Ok(MetricSeries { points, total });
        }
        // Two points are the history's ends, so a thinned chart spans the
        // steps logged and ends on the last value.
        let buckets = ((max_points - 2) / 2).max(1);
        let s = Statement::new(
            "SELECT tile, lo_step, lo_value, lo_at, hi_step, hi_value, hi_at \
             FROM ml_run_metric_tile WHERE run_id = $1 AND key = $2 ORDER BY tile",
        )
        .int(run_id)
        .text(key);
        let tiles = self.fetch::<MetricTile>(s).await?;
        let thinned = match thin_tiles(key, &tiles, buckets) {
            Some(points) => points,
            None => self.thin_points(run_id, key, &summary, buckets).await?,
        };
        let points = self.with_ends(run_id, key, thinned).await?;
        Ok(MetricSeries { points, total })
    }

    /// A page of a metric's history as logged, numbers and values that are
    /// not numbers in one order (step, then logging order): `limit` points
    /// from `offset`, as MLflow's `get-history` pages it.
    pub async fn logged_points(
        &mut self,
        run_id: i64,
        key: &str,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<LoggedPoint>> {
        let s = Statement::new(
            "SELECT step, seq, value, spelled, at FROM ( \
               SELECT step, seq, value, NULL AS spelled, at FROM ml_run_metric \
               WHERE run_id = $1 AND key = $2 \
               UNION ALL \
               SELECT step, seq, NULL AS value, value AS spelled, at FROM ml_run_metric_nonfinite \
               WHERE run_id = $1 AND key = $2) p \
             ORDER BY step, seq LIMIT $3 OFFSET $4",
        )
        .int(run_id)
        .text(key)
        .int(limit)
        .int(offset);
        self.fetch::<LoggedPoint>(s).await
    }

    /// Who deleted a run through MLflow, and when; none while it is active.
    pub async fn run_deletion(&mut self, run_id: i64) -> StoreResult<Option<RunDeletion>> {
        let s =
            Statement::new("SELECT deleted_at, deleted_by FROM ml_run_deleted WHERE run_id = $1")
                .int(run_id);
        Ok(self.fetch::<RunDeletion>(s).await?.pop())
    }

    /// The names of the metrics and of the params runs have (at most
    /// `limit` each, in order), each list one walk of its table's index.
    pub async fn run_column_keys(&mut self, limit: i64) -> StoreResult<(Vec<String>, Vec<String>)> {
        let metrics = self.distinct_keys("ml_run_metric_last", limit).await?;
        let params = self.distinct_keys("ml_run_param", limit).await?;
        Ok((metrics, params))
    }

    /// What MLflow's client reads of each of a page of runs (its params,
    /// tags, latest metrics, datasets, whether deleted): a statement per
    /// table for the whole page, each list in run order.
    pub async fn data_of_runs(&mut self, run_ids: &[i64]) -> StoreResult<RunsData> {
        if run_ids.is_empty() {
            return Ok(RunsData::default());
        }
        let ids = self.db.ids_in_json("$1");
        let listed = serde_json::json!(run_ids);
        let bound = |sql: String| Statement::new(sql).json(&listed);
        let mut data = RunsData::default();
        for (table, into) in [
            ("ml_run_param", &mut data.params),
            ("ml_run_tag", &mut data.tags),
        ] {
            let s = bound(format!(
                "SELECT run_id, key, value FROM {table} WHERE run_id IN ({ids}) \
                 ORDER BY run_id, key"
            ));
            *into = self.fetch::<RunKeyValue>(s).await?;
        }
        // Each latest value's step and time: one walk down the end of
        // its history's primary key.
        let s = bound(format!(
            "SELECT l.run_id, l.key, l.value, \
             (SELECT m.step FROM ml_run_metric m WHERE m.run_id = l.run_id AND m.key = l.key \
              ORDER BY m.step DESC, m.seq DESC LIMIT 1) AS step, \
             (SELECT m.at FROM ml_run_metric m WHERE m.run_id = l.run_id AND m.key = l.key \
              ORDER BY m.step DESC, m.seq DESC LIMIT 1) AS at \
             FROM ml_run_metric_last l WHERE l.run_id IN ({ids}) ORDER BY l.run_id, l.key"
        ));
        data.latest_metrics = self.fetch::<LatestMetric>(s).await?;
        let s = bound(format!(
            "SELECT run_id, key, step, seq, value, at FROM ml_run_metric_nonfinite \
             WHERE run_id IN ({ids}) ORDER BY run_id, key, step, seq"
        ));
        data.nonfinite = self.fetch::<NonFinitePoint>(s).await?;
        let s = bound(format!(
            "SELECT run_id FROM ml_run_deleted WHERE run_id IN ({ids}) ORDER BY run_id"
        ));
        data.deleted = self.ints(s).await?;
        let s = bound(format!(
            "SELECT run_id, name, digest, tags_json, dataset_json FROM ml_run_input \
             WHERE run_id IN ({ids}) ORDER BY run_id, name, digest"
        ));
        data.inputs = self.fetch::<RunInput>(s).await?;
        let s = bound(format!(
            "SELECT run_id, direction, model_id, step FROM ml_run_model_link \
             WHERE run_id IN ({ids}) ORDER BY run_id, direction, step, model_id"
        ));
        data.model_links = self.fetch::<RunModelLink>(s).await?;
        Ok(data)
    }

    /// A run's tags, by key.
    pub async fn tags(&mut self, run_id: i64) -> StoreResult<Vec<KeyValue>> {
        self.key_values("ml_run_tag", run_id).await
    }

    /// The params named `keys` of the runs `run_ids`.
    pub async fn params_of_runs(
        &mut self,
        run_ids: &[i64],
        keys: &[String],
    ) -> StoreResult<Vec<RunKeyValue>> {
        if run_ids.is_empty() || keys.is_empty() {
            return Ok(Vec::new());
        }
        let positional = self.db.binds_by_position();
        let mut s = Statement::new(format!(
            "SELECT run_id, key, value FROM ml_run_param WHERE run_id IN ({}) AND key IN ({})",
            bind_list(1, run_ids.len(), positional),
            bind_list(run_ids.len() + 1, keys.len(), positional)
        ));
        for id in run_ids {
            s = s.int(*id);
        }
        for key in keys {
            s = s.text(key.as_str());
        }
        self.fetch::<RunKeyValue>(s).await
    }
);

impl Session {
    /// Appends metric points and folds them into their tiles; a step logged
    /// again keeps both values, in logging order (`seq`), as MLflow does.
    pub async fn insert_metric_points(
        &mut self,
        run_id: i64,
        points: &[NewMetricPoint],
        seq_base: i64,
    ) -> StoreResult<()> {
        let positional = self.db.binds_by_position();
        let number = |s: Statement, v| s.float(v);
        let inserts = points_inserts(
            "ml_run_metric",
            run_id,
            points,
            seq_base,
            positional,
            number,
        );
        for (first_seq, chunk, s) in inserts {
            let inserted = self.ints(s).await?;
            let deltas = if inserted.len() == chunk.len() {
                fold_into_tiles(chunk)
            } else {
                let inserted: std::collections::HashSet<i64> = inserted.into_iter().collect();
                let kept: Vec<NewMetricPoint> = (first_seq..)
                    .zip(chunk)
                    .filter(|(seq, _)| inserted.contains(seq))
                    .map(|(_, p)| p.clone())
                    .collect();
                fold_into_tiles(&kept)
            };
            self.add_to_tiles(run_id, &deltas).await?;
        }
        Ok(())
    }

    /// Records datasets a run read; one logged again is kept once. How
    /// many were new.
    pub async fn insert_run_inputs(&mut self, inputs: &[RunInput]) -> StoreResult<u64> {
        let mut added = 0;
        for i in inputs {
            let s = Statement::new(
                "INSERT INTO ml_run_input (run_id, name, digest, tags_json, dataset_json) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .int(i.run_id)
            .text(i.name.as_str())
            .text(i.digest.as_str())
            .text(i.tags_json.as_str())
            .text(i.dataset_json.as_str());
            added += self.db.execute(s).await?;
        }
        Ok(added)
    }

    /// Links logged models to the run they were read or produced by; a
    /// link made again is kept once. How many were new.
    pub async fn insert_run_model_links(&mut self, links: &[RunModelLink]) -> StoreResult<u64> {
        let mut added = 0;
        for l in links {
            let s = Statement::new(
                "INSERT INTO ml_run_model_link (run_id, direction, model_id, step) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .int(l.run_id)
            .text(l.direction.as_str())
            .text(l.model_id.as_str())
            .int(l.step);
            added += self.db.execute(s).await?;
        }
        Ok(added)
    }

    /// Marks a run deleted through MLflow (`deleted`), or no longer;
    /// whether that changed anything.
    pub async fn mark_run_deleted(
        &mut self,
        run_id: i64,
        deleted: bool,
        at: DateTime<Utc>,
        by: &str,
    ) -> StoreResult<bool> {
        let s = match deleted {
            true => Statement::new(
                "INSERT INTO ml_run_deleted (run_id, deleted_at, deleted_by) VALUES ($1, $2, $3) \
                 ON CONFLICT (run_id) DO NOTHING",
            )
            .int(run_id)
            .time(at)
            .text(by),
            false => Statement::new("DELETE FROM ml_run_deleted WHERE run_id = $1").int(run_id),
        };
        Ok(self.db.execute(s).await? > 0)
    }

    /// Records values that are not numbers (NaN, ±Infinity) apart from the
    /// history, at `seq_base` on in logging order.
    pub async fn insert_nonfinite_points(
        &mut self,
        run_id: i64,
        points: &[NewMetricPoint],
        seq_base: i64,
    ) -> StoreResult<()> {
        let positional = self.db.binds_by_position();
        let spelled = |s: Statement, v| s.text(NonFinitePoint::spelling(v));
        let table = "ml_run_metric_nonfinite";
        for (_, _, s) in points_inserts(table, run_id, points, seq_base, positional, spelled) {
            self.ints(s).await?;
        }
        Ok(())
    }

    /// Adds appended points to their tiles: counts add up, each extreme
    /// moves only to a strictly lower (higher) value.
    async fn add_to_tiles(&mut self, run_id: i64, deltas: &[TileDelta]) -> StoreResult<()> {
        const WIDTH: usize = 12;
        let positional = self.db.binds_by_position();
        for chunk in deltas.chunks(BINDS_PER_STATEMENT / WIDTH) {
            let mut sql = bulk_insert_sql(
                "INSERT INTO ml_run_metric_tile (run_id, key, tile, points, first_step, \
                 last_step, lo_step, lo_value, lo_at, hi_step, hi_value, hi_at) VALUES ",
                chunk.len(),
                WIDTH,
                positional,
            );
            sql.push_str(TILE_UPSERT);
            let mut s = Statement::new(sql);
            for d in chunk {
                s = s
                    .int(run_id)
                    .text(d.key.as_str())
                    .int(d.tile)
                    .int(d.points)
                    .int(d.first_step)
                    .int(d.last_step)
                    .int(d.lo.step)
                    .float(d.lo.value)
                    .time(d.lo.at)
                    .int(d.hi.step)
                    .float(d.hi.value)
                    .time(d.hi.at);
            }
            self.db.execute(s).await?;
        }
        Ok(())
    }

    /// The highest step logged for a metric, if any.
    pub async fn metric_last_step(&mut self, run_id: i64, key: &str) -> StoreResult<Option<i64>> {
        let s = Statement::new(
            "SELECT step FROM ml_run_metric WHERE run_id = $1 AND key = $2 \
             ORDER BY step DESC, seq DESC LIMIT 1",
        )
        .int(run_id)
        .text(key);
        Ok(self.ints(s).await?.into_iter().next())
    }

    /// Each metric's history in brief, by name (from its tiles).
    pub async fn metric_summaries(&mut self, run_id: i64) -> StoreResult<Vec<MetricSummary>> {
        let s = Statement::new(
            "SELECT key, CAST(SUM(points) AS BIGINT) AS points, MIN(first_step) AS first_step, \
             MAX(last_step) AS last_step, MIN(lo_value) AS min, MAX(hi_value) AS max \
             FROM ml_run_metric_tile WHERE run_id = $1 GROUP BY key ORDER BY key",
        )
        .int(run_id);
        self.fetch::<MetricSummary>(s).await
    }

    /// A thinned history with the first and the last point logged added
    /// where its buckets' extremes are not already them.
    async fn with_ends(
        &mut self,
        run_id: i64,
        key: &str,
        mut points: Vec<MetricPoint>,
    ) -> StoreResult<Vec<MetricPoint>> {
        for (order, at_start) in [("ASC", true), ("DESC", false)] {
            let s = Statement::new(format!(
                "SELECT key, step, value, at FROM ml_run_metric WHERE run_id = $1 AND key = $2 \
                 ORDER BY step {order}, seq {order} LIMIT 1"
            ))
            .int(run_id)
            .text(key);
            let Some(end) = self.fetch::<MetricPoint>(s).await?.pop() else {
                continue;
            };
            let present = if at_start {
                points.first()
            } else {
                points.last()
            }
            .is_some_and(|p| p.step == end.step && p.value == end.value);
            if present {
                continue;
            }
            if at_start {
                points.insert(0, end);
            } else {
                points.push(end);
            }
        }
        Ok(points)
    }

    /// Thins a history whose tiles are coarser than the buckets asked for
    /// (fewer than `buckets * TILE_STEPS` steps) by reading its points.
    async fn thin_points(
        &mut self,
        run_id: i64,
        key: &str,
        summary: &MetricSummary,
        buckets: i64,
    ) -> StoreResult<Vec<MetricPoint>> {
        let span = (summary.last_step - summary.first_step + 1).max(1);
        // Bucket b holds steps [first + b*span/buckets, ...): integer
        // arithmetic, the same on both backends. Each bucket keeps its
        // lowest and its highest point, each at its own step.
        let bucket = "(((step - $3) * $4) / $5)";
        let sql = if self.db.bare_columns_follow_min_max() {
            // SQLite: one pass per extreme, the bare columns from its row.
            format!(
                "SELECT key, step, value, at FROM ( \
                 SELECT key, step, MIN(value) AS value, at FROM ml_run_metric \
                 WHERE run_id = $1 AND key = $2 GROUP BY {bucket} \
                 UNION \
                 SELECT key, step, MAX(value) AS value, at FROM ml_run_metric \
                 WHERE run_id = $1 AND key = $2 GROUP BY {bucket}) ORDER BY step, value"
            )
        } else {
            format!(
                "SELECT key, step, value, at FROM ( \
                 (SELECT DISTINCT ON ({bucket}) key, step, value, at FROM ml_run_metric \
                  WHERE run_id = $1 AND key = $2 ORDER BY {bucket}, value, step) \
                 UNION \
                 (SELECT DISTINCT ON ({bucket}) key, step, value, at FROM ml_run_metric \
                  WHERE run_id = $1 AND key = $2 ORDER BY {bucket}, value DESC, step)) t \
                 ORDER BY step, value"
            )
        };
        let s = Statement::new(sql)
            .int(run_id)
            .text(key)
            .int(summary.first_step)
            .int(buckets)
            .int(span);
        self.fetch::<MetricPoint>(s).await
    }

    /// Sets params; `replace` says whether a param may take a new value.
    pub async fn upsert_params(
        &mut self,
        run_id: i64,
        params: &[(String, String)],
    ) -> StoreResult<()> {
        self.upsert_key_values("ml_run_param", run_id, params).await
    }

    pub async fn upsert_tags(&mut self, run_id: i64, tags: &[(String, String)]) -> StoreResult<()> {
        self.upsert_key_values("ml_run_tag", run_id, tags).await
    }

    async fn upsert_key_values(
        &mut self,
        table: &str,
        run_id: i64,
        pairs: &[(String, String)],
    ) -> StoreResult<()> {
        for (key, value) in pairs {
            let s = Statement::new(format!(
                "INSERT INTO {table} (run_id, key, value) VALUES ($1, $2, $3) \
                 ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value"
            ))
            .int(run_id)
            .text(key.as_str())
            .text(value.as_str());
            self.db.execute(s).await?;
        }
        Ok(())
    }

    pub async fn delete_tag(&mut self, run_id: i64, key: &str) -> StoreResult<bool> {
        let s = Statement::new("DELETE FROM ml_run_tag WHERE run_id = $1 AND key = $2")
            .int(run_id)
            .text(key);
        Ok(self.db.execute(s).await? > 0)
    }

    /// By key.
    pub async fn params(&mut self, run_id: i64) -> StoreResult<Vec<KeyValue>> {
        self.key_values("ml_run_param", run_id).await
    }

    /// A loose index scan: the next key after each, not every row.
    async fn distinct_keys(&mut self, table: &str, limit: i64) -> StoreResult<Vec<String>> {
        let s = Statement::new(format!(
            "WITH RECURSIVE k(key) AS ( \
             SELECT MIN(key) FROM {table} \
             UNION ALL \
             SELECT (SELECT MIN(key) FROM {table} WHERE key > k.key) FROM k \
             WHERE k.key IS NOT NULL) \
             SELECT key FROM k WHERE key IS NOT NULL LIMIT $1"
        ))
        .int(limit);
        self.texts(s).await
    }

    async fn key_values(&mut self, table: &str, run_id: i64) -> StoreResult<Vec<KeyValue>> {
        let s = Statement::new(format!(
            "SELECT key, value FROM {table} WHERE run_id = $1 ORDER BY key"
        ))
        .int(run_id);
        self.fetch::<KeyValue>(s).await
    }

    /// Registers a file (again: the newest copy wins).
    pub async fn upsert_artifact(&mut self, a: &RunArtifact) -> StoreResult<()> {
        let s = Statement::new(
            "INSERT INTO ml_run_artifact (run_id, path, size, sha256, uri, at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (run_id, path) DO UPDATE SET \
             size = excluded.size, sha256 = excluded.sha256, uri = excluded.uri, at = excluded.at",
        )
        .int(a.run_id)
        .text(a.path.as_str())
        .int(a.size)
        .text(a.sha256.as_str())
        .text(a.uri.as_str())
        .time(a.at);
        self.db.execute(s).await.map(drop)
    }

    /// By path.
    pub async fn artifacts(&mut self, run_id: i64) -> StoreResult<Vec<RunArtifact>> {
        let s = Statement::new(
            "SELECT run_id, path, size, sha256, uri, at FROM ml_run_artifact \
             WHERE run_id = $1 ORDER BY path",
        )
        .int(run_id);
        self.fetch::<RunArtifact>(s).await
    }

    /// Appends a chunk to a run's log; the run's text is never rewritten.
    pub async fn append_run_log(
        &mut self,
        id: i64,
        text: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new("INSERT INTO ml_run_log (run_id, text) VALUES ($1, $2)")
            .int(id)
            .text(text);
        self.db.execute(s).await?;
        let s = Statement::new(
            "UPDATE ml_run SET log_bytes = log_bytes + $1, updated_at = $2 WHERE id = $3",
        )
        .int(text.len() as i64)
        .time(at)
        .int(id);
        self.db.execute(s).await.map(drop)
    }

    /// The chunks appended to a run's log, in order.
    pub(crate) async fn run_log_chunks(&mut self, id: i64) -> StoreResult<Vec<String>> {
        let s = Statement::new("SELECT text FROM ml_run_log WHERE run_id = $1 ORDER BY id").int(id);
        self.texts(s).await
    }

    /// A run's name and note.
    pub async fn set_run_labels(
        &mut self,
        id: i64,
        name: Option<&str>,
        note: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "UPDATE ml_run SET name = COALESCE($1, name), note = COALESCE($2, note), \
             updated_at = $3 WHERE id = $4",
        )
        .bind(Bind::OptText(name.map(str::to_string)))
        .bind(Bind::OptText(note.map(str::to_string)))
        .time(at)
        .int(id);
        self.db.execute(s).await.map(drop)
    }

    /// Why a run ended as it did, and its exit status.
    pub async fn set_run_outcome(
        &mut self,
        id: i64,
        reason: &str,
        exit_code: Option<i64>,
    ) -> StoreResult<()> {
        let s =
            Statement::new("UPDATE ml_run SET status_reason = $1, exit_code = $2 WHERE id = $3")
                .text(reason)
                .opt_int(exit_code)
                .int(id);
        self.db.execute(s).await.map(drop)
    }

    /// Names the process executing a run and starts its heartbeat.
    pub async fn set_run_executor(
        &mut self,
        id: i64,
        executor: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new("UPDATE ml_run SET executor = $1, heartbeat_at = $2 WHERE id = $3")
            .text(executor)
            .time(at)
            .int(id);
        self.db.execute(s).await.map(drop)
    }

    /// The executor is alive; says whether someone asked to cancel the run.
    pub async fn heartbeat_run(&mut self, id: i64, at: DateTime<Utc>) -> StoreResult<bool> {
        let s = Statement::new("UPDATE ml_run SET heartbeat_at = $1 WHERE id = $2")
            .time(at)
            .int(id);
        self.db.execute(s).await?;
        let s = Statement::new(
            "SELECT COUNT(*) FROM ml_run WHERE id = $1 AND cancel_requested_at IS NOT NULL",
        )
        .int(id);
        Ok(self.ints(s).await?.first().copied().unwrap_or(0) > 0)
    }

    pub async fn request_run_cancel(&mut self, id: i64, at: DateTime<Utc>) -> StoreResult<()> {
        let s = Statement::new(
            "UPDATE ml_run SET cancel_requested_at = $1, updated_at = $1 WHERE id = $2",
        )
        .time(at)
        .int(id);
        self.db.execute(s).await.map(drop)
    }

    /// The runs an executor holds that have not finished, oldest first:
    /// read through their partial index (migration 0018), so the cost is
    /// the live executions', whatever the number of runs. The WHERE repeats
    /// the index's predicate with literals, or neither database would use it.
    pub async fn live_executions(&mut self) -> StoreResult<Vec<LiveExecution>> {
        let s = Statement::new(format!(
            "SELECT id, status, executor, heartbeat_at FROM ml_run \
             WHERE executor IS NOT NULL AND status IN ('{}', '{}') ORDER BY id",
            RunStatus::Queued.as_str(),
            RunStatus::Running.as_str(),
        ));
        self.fetch(s).await
    }

    /// Links a model to the run that produced it, unless one is linked
    /// already: a model is produced once, and a later run never moves the
    /// link. True when this linked it.
    pub async fn link_model_run(&mut self, model_id: i64, run_id: i64) -> StoreResult<bool> {
        let s = Statement::new("UPDATE ml_model SET run_id = $1 WHERE id = $2 AND run_id IS NULL")
            .int(run_id)
            .int(model_id);
        Ok(self.db.execute(s).await? > 0)
    }

    /// Of `ids`, the models no run is linked to yet.
    pub async fn models_without_run(&mut self, ids: &[i64]) -> StoreResult<Vec<i64>> {
        let mut out = Vec::new();
        // In slices: a statement binds a bounded number of values.
        for chunk in ids.chunks(500) {
            let mut s = Statement::new(format!(
                "SELECT id FROM ml_model WHERE run_id IS NULL AND id IN ({}) ORDER BY id",
                bind_list(1, chunk.len(), self.db.binds_by_position())
            ));
            for id in chunk {
                s = s.int(*id);
            }
            out.extend(self.ints(s).await?);
        }
        Ok(out)
    }

    /// A model's first succeeded training run (the first to finish), if any.
    pub async fn first_training_run(&mut self, model_id: i64) -> StoreResult<Option<i64>> {
        let s = Statement::new(
            "SELECT id FROM ml_run WHERE model_id = $1 AND status = $2 AND run_type = $3 \
             ORDER BY finished_at, id LIMIT 1",
        )
        .int(model_id)
        .text(RunStatus::Succeeded.as_str())
        .text(RunType::Train.as_str());
        Ok(self.ints(s).await?.into_iter().next())
    }

    /// The newest succeeded eval or backtest run of a model, if any.
    pub async fn newest_scoring_run(&mut self, model_id: i64) -> StoreResult<Option<i64>> {
        let [a, b] = RunType::SCORING;
        let s = Statement::new(
            "SELECT id FROM ml_run WHERE model_id = $1 AND status = $2 \
             AND run_type IN ($3, $4) ORDER BY id DESC LIMIT 1",
        )
        .int(model_id)
        .text(RunStatus::Succeeded.as_str())
        .text(a.as_str())
        .text(b.as_str());
        Ok(self.ints(s).await?.into_iter().next())
    }
}
