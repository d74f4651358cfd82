//! The run filter language as SQL: each condition on a metric, param or
//! tag is a lookup in its own table. A filter on a metric reads that
//! metric's rows of `ml_run_metric_last` (alias `d`) first: all of its
//! matches through the value index when they are few, else its runs newest
//! first until a page is full, or in value order when the list is sorted
//! by that metric; so a page never costs more than the matches it could
//! hold or the runs it skips. An `or` group of metric ranges and param or
//! tag equalities reads the runs in any of them the same way when they
//! are few.

use crate::db::Bind;
use crate::sql::Filter as Sql;
use nexml_core::runs::filter::{Attribute, Condition, Field, Filter, Op, OrderBy, Value};

/// The driving metric condition: the list is read from this metric's
/// index (alias `d`) instead of from every run. An `or` group of ranges,
/// one in each alternative, drives as the runs in any of them.
pub struct Driver {
    ranges: Vec<Range>,
    pub read: Read,
    /// What `probe` counted, once the caller has.
    pub counted: Option<i64>,
    /// The filter's `or` group it reads, if it reads one.
    group: Option<usize>,
}

/// One index range: a metric's `key op value`, or a param's or tag's
/// `key = value` (only metrics drive alone; any of them in an `or` group).
struct Range {
    table: RangeTable,
    key: String,
    op: Op,
    value: Value,
}

/// The table, and its `(key, value)` index, a range is read from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeTable {
    MetricLast,
    Param,
    Tag,
}

impl RangeTable {
    fn name(self) -> &'static str {
        match self {
            RangeTable::MetricLast => "ml_run_metric_last",
            RangeTable::Param => "ml_run_param",
            RangeTable::Tag => "ml_run_tag",
        }
    }
}

/// Matches an `or` group's read may hold beyond what its probe counted:
/// runs logged between the two statements.
const UNION_LIMIT_ROOM: i64 = 1_000;

/// How a list driven by a metric reads that metric's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Few runs match: `d` is a subquery of every match, read through
    /// `(key, value)` (`from_sql`), then sorted by run (`order_id`).
    Matches,
    /// Many match: the metric's runs newest first through `(key, run_id)`,
    /// each tested, until a page is full (`+d.value` keeps SQLite from
    /// collecting every match through the value index and sorting them).
    NewestFirst,
    /// The list is sorted by this metric: `(key, value)` in value order.
    ByValue,
}

/// The metric condition a list can be driven by: the first one on a number
/// comparison (a `!=` matches nearly everything: not worth it). With sort
/// keys, only when the first sorts by that same metric. Without such a
/// condition, an `or` group whose every alternative has one. `read` is
/// `Matches` until the caller counts them (`probe`).
pub fn driver(filter: Option<&Filter>, order_by: &[OrderBy]) -> Option<Driver> {
    let filter = filter?;
    let sorted_by = match order_by.first().map(|o| &o.field) {
        Some(Field::Metric(key)) => Some(key),
        Some(_) => None,
        None => None,
    };
    let sorted_otherwise = !order_by.is_empty() && sorted_by.is_none();
    if !sorted_otherwise && let Some(range) = metric_range_in(&filter.conditions, sorted_by) {
        let read = if sorted_by.is_some() {
            Read::ByValue
        } else {
            Read::Matches
        };
        return Some(Driver {
            ranges: vec![range],
            read,
            counted: None,
            group: None,
        });
    }
    filter
        .any_of
        .iter()
        .enumerate()
        .find_map(|(group, alternatives)| {
            let ranges = alternatives
                .iter()
                .map(|a| {
                    metric_range_in(&a.conditions, None).or_else(|| equality_in(&a.conditions))
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Driver {
                ranges,
                read: Read::Matches,
                counted: None,
                group: Some(group),
            })
        })
}

/// The first metric range among conditions that must all hold (on
/// `sorted_by` when given).
fn metric_range_in(conditions: &[Condition], sorted_by: Option<&String>) -> Option<Range> {
    conditions.iter().find_map(|c| match (&c.field, c.op) {
        (Field::Metric(key), Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Eq)
            if sorted_by.is_none_or(|s| s == key) =>
        {
            Some(Range {
                table: RangeTable::MetricLast,
                key: key.clone(),
                op: c.op,
                value: c.value.clone(),
            })
        }
        _ => None,
    })
}

/// The first param or tag equality among conditions that must all hold:
/// each is read through its table's `(key, value)` index.
fn equality_in(conditions: &[Condition]) -> Option<Range> {
    conditions.iter().find_map(|c| {
        let table = match (&c.field, c.op) {
            (Field::Param(_), Op::Eq) => RangeTable::Param,
            (Field::Tag(_), Op::Eq) => RangeTable::Tag,
            _ => return None,
        };
        let (Field::Param(key) | Field::Tag(key)) = &c.field else {
            return None;
        };
        Some(Range {
            table,
            key: key.clone(),
            op: c.op,
            value: c.value.clone(),
        })
    })
}

impl Range {
    /// `key = $k AND value op $v`, on the range's table's columns.
    fn test(&self, f: &mut Sql) -> String {
        let k = f.placeholder(Bind::Text(self.key.clone()));
        // Metric values are doubles; params and tags are text.
        let value = match self.table {
            RangeTable::MetricLast => number(&self.value),
            RangeTable::Param | RangeTable::Tag => bind(&self.value),
        };
        let v = f.placeholder(value);
        format!("key = {k} AND value {} {v}", compare(self.op))
    }
}

impl Driver {
    /// The one metric range it reads, unless it reads an `or` group's.
    fn single(&self) -> Option<&Range> {
        match self.ranges.as_slice() {
            [one] if self.group.is_none() => Some(one),
            _ => None,
        }
    }

    /// Whether its `or` group is the whole filter, each alternative its
    /// range alone: the runs it reads are exactly the filter's.
    pub fn is_the_filter(&self, filter: &Filter) -> bool {
        filter.conditions.is_empty()
            && filter.any_of.len() == 1
            && self.is_whole(0, &filter.any_of[0])
    }

    /// Whether it reads an `or` group's ranges: never walked newest first
    /// nor in value order, so too many matches leave the list undriven.
    pub fn is_union(&self) -> bool {
        self.group.is_some()
    }

    /// Whether `d` holds exactly the runs the filter's group `index`
    /// lets through (each alternative its range alone): no need to test
    /// them again, a test PostgreSQL's generic plans run as a walk of
    /// every value of the metric.
    fn is_whole(&self, index: usize, alternatives: &[Filter]) -> bool {
        self.group == Some(index)
            && alternatives
                .iter()
                .all(|a| a.conditions.len() == 1 && a.any_of.is_empty())
    }

    /// Counts the runs each range alone matches, up to `cap`, in its value
    /// index only: a row each.
    pub fn probe(&self, cap: i64, f: &mut Sql) -> String {
        let counts: Vec<String> = self
            .ranges
            .iter()
            .map(|r| {
                let test = r.test(f);
                format!(
                    "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM {} WHERE {test} LIMIT {cap}) c)",
                    r.table.name()
                )
            })
            .collect();
        counts.join(" UNION ALL ")
    }

    /// The list's `FROM`: the driving metric's rows `d`, then (`with_runs`)
    /// the runs `x`, joined across so SQLite reads `d` first.
    pub fn from_sql(&self, with_runs: bool, f: &mut Sql) -> String {
        let d = match (self.read, self.single()) {
            (Read::Matches, Some(range)) => {
                let test = range.test(f);
                // Every match, through the value index (`ORDER BY value`
                // keeps PostgreSQL on it). The limit is their number,
                // counted in the same statement: it leaves nothing out but
                // tells PostgreSQL how few they are; its statistics mix
                // every metric's values, and it would otherwise plan for a
                // hundred times as many and read every run.
                format!(
                    "(SELECT run_id, value FROM ml_run_metric_last WHERE {test} \
                     ORDER BY value LIMIT (SELECT COUNT(*) FROM ml_run_metric_last WHERE {test})) d"
                )
            }
            (Read::Matches, None) => {
                // The runs in any range, each once. The limit tells
                // PostgreSQL how few they are, as above; a limit it has to
                // compute it takes for a tenth of its estimate, still too
                // many here (it then merges with every run), so it is the
                // probe's count, with room for runs logged since.
                // Each range in value order keeps both planners on the
                // value index, even PostgreSQL's generic plan.
                let limit = self.counted.unwrap_or(UNION_LIMIT_ROOM) + UNION_LIMIT_ROOM;
                let selects: Vec<String> = self
                    .ranges
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        format!(
                            "SELECT run_id FROM (SELECT run_id FROM {} WHERE {} \
                             ORDER BY value LIMIT {limit}) u{i}",
                            r.table.name(),
                            r.test(f)
                        )
                    })
                    .collect();
                format!(
                    "(SELECT run_id FROM ({}) u LIMIT {limit}) d",
                    selects.join(" UNION ")
                )
            }
            (Read::NewestFirst | Read::ByValue, _) => "ml_run_metric_last d".into(),
        };
        if with_runs {
            format!("FROM {d} CROSS JOIN ml_run x")
        } else {
            format!("FROM {d}")
        }
    }

    /// The run id the list is ordered by. A few matches are sorted by
    /// `+d.run_id`, which no index gives: by `d.run_id`, PostgreSQL walks
    /// every run backwards to merge them in id order.
    pub fn order_id(&self) -> &'static str {
        match self.read {
            Read::Matches => "+d.run_id",
            Read::NewestFirst | Read::ByValue => "d.run_id",
        }
    }
}

/// Adds the filter's conditions on the run `x` (and the driver `d`).
/// Beside a driver, the other metric, param and tag conditions name the
/// run as `d.run_id`: SQLite tests them before reading the run's row, and
/// a count needs no run row at all.
pub fn conditions(filter: &Filter, driver: Option<&Driver>, f: &mut Sql) {
    let mut driven = false;
    let run = if driver.is_some() { "d.run_id" } else { "x.id" };
    let single = driver.and_then(|d| d.single().map(|range| (d.read, range)));
    for c in &filter.conditions {
        if let (Some((read, d)), false, Field::Metric(key)) = (single, driven, &c.field)
            && key == &d.key
            && c.op == d.op
            && c.value == d.value
        {
            driven = true;
            let value = match read {
                // Tested in `d` itself (`from_sql`).
                Read::Matches => continue,
                Read::NewestFirst => "+d.value",
                Read::ByValue => "d.value",
            };
            let k = f.placeholder(Bind::Text(key.clone()));
            let v = f.placeholder(number(&c.value));
            f.clause(format!("d.key = {k} AND {value} {} {v}", compare(c.op)));
            continue;
        }
        let test = condition(c, run, f);
        f.clause(test);
    }
    for (index, alternatives) in filter.any_of.iter().enumerate() {
        if driver.is_some_and(|d| d.is_whole(index, alternatives)) {
            continue;
        }
        let test = any_of(alternatives, run, f);
        f.clause(test);
    }
}

/// `(a OR b ...)`: each alternative's conditions and groups joined by `AND`.
fn any_of(alternatives: &[Filter], run: &str, f: &mut Sql) -> String {
    let shown: Vec<String> = alternatives
        .iter()
        .map(|a| {
            let mut tests: Vec<String> =
                a.conditions.iter().map(|c| condition(c, run, f)).collect();
            tests.extend(a.any_of.iter().map(|group| any_of(group, run, f)));
            if tests.is_empty() {
                "1 = 1".to_string()
            } else {
                format!("({})", tests.join(" AND "))
            }
        })
        .collect();
    format!("({})", shown.join(" OR "))
}

/// Whether a condition reads the run's own row (`x`), not only the
/// metric, param and tag tables.
pub fn reads_runs(filter: &Filter) -> bool {
    filter
        .every_condition()
        .iter()
        .any(|c| matches!(c.field, Field::Attribute(_)))
}

/// The SQL test of one condition on the run `run`.
fn condition(c: &Condition, run: &str, f: &mut Sql) -> String {
    match &c.field {
        Field::Metric(key) => {
            let k = f.placeholder(Bind::Text(key.clone()));
            let test = value_test("l.value", c, f);
            format!(
                "EXISTS (SELECT 1 FROM ml_run_metric_last l WHERE l.key = {k} AND l.run_id = {run} AND {test})"
            )
        }
        Field::Param(key) | Field::Tag(key) => {
            let table = if matches!(c.field, Field::Param(_)) {
                "ml_run_param"
            } else {
                "ml_run_tag"
            };
            let k = f.placeholder(Bind::Text(key.clone()));
            let test = value_test("p.value", c, f);
            format!(
                "EXISTS (SELECT 1 FROM {table} p WHERE p.run_id = {run} AND p.key = {k} AND {test})"
            )
        }
        Field::Attribute(a) => {
            let column = match a {
                Attribute::Id => "x.id",
                Attribute::Status => "x.status",
                Attribute::RunType => "x.run_type",
                Attribute::Name => "x.name",
                Attribute::Created => "x.created_at",
                Attribute::Started => "x.started_at",
                Attribute::Finished => "x.finished_at",
                Attribute::Recipe => {
                    let test = value_test("name", c, f);
                    return format!("+x.recipe_id IN (SELECT id FROM ml_recipe WHERE {test})");
                }
                Attribute::Model => {
                    let test = value_test("name", c, f);
                    return format!("+x.model_id IN (SELECT id FROM ml_model WHERE {test})");
                }
                Attribute::Experiment => {
                    // A recipe's own experiment is named by the recipe.
                    let test = value_test("COALESCE(ex.name, rx.name)", c, f);
                    return format!(
                        "+x.experiment_id IN (SELECT ex.id FROM ml_experiment ex \
                         LEFT JOIN ml_recipe rx ON rx.id = ex.recipe_id WHERE {test})"
                    );
                }
            };
            value_test(column, c, f)
        }
    }
}

/// `column op value`, with the backend's way of matching patterns.
fn value_test(column: &str, c: &Condition, f: &mut Sql) -> String {
    match (c.op, &c.value) {
        (Op::In | Op::NotIn, Value::List(items)) => {
            let ps: Vec<String> = items.iter().map(|v| f.placeholder(bind(v))).collect();
            let not = if c.op == Op::NotIn { "NOT " } else { "" };
            if ps.is_empty() {
                // `IN ()` is not SQL: nothing is in an empty list.
                return if c.op == Op::In { "1 = 0" } else { "1 = 1" }.into();
            }
            format!("{column} {not}IN ({})", ps.join(", "))
        }
        (Op::Like, Value::Text(pattern)) if f.like_ignores_case => {
            // SQLite's LIKE ignores case: GLOB keeps it.
            let p = f.placeholder(Bind::Text(like_to_glob(pattern)));
            format!("{column} GLOB {p}")
        }
        (Op::ILike, Value::Text(pattern)) if !f.like_ignores_case => {
            let p = f.placeholder(Bind::Text(pattern.clone()));
            format!("{column} ILIKE {p}")
        }
        (Op::Like | Op::ILike, value) => {
            let p = f.placeholder(bind(value));
            format!("{column} LIKE {p}")
        }
        (op, value) => {
            let p = f.placeholder(bind(value));
            format!("{column} {} {p}", compare(op))
        }
    }
}

fn compare(op: Op) -> &'static str {
    match op {
        Op::Eq => "=",
        Op::Ne => "<>",
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Gt => ">",
        Op::Ge => ">=",
        // Lists and patterns are handled by `value_test`.
        Op::Like | Op::ILike => "LIKE",
        Op::In | Op::NotIn => "IN",
    }
}

fn bind(v: &Value) -> Bind {
    match v {
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Bind::Int(*n as i64),
        Value::Number(n) => Bind::Float(*n),
        Value::Text(t) => Bind::Text(t.clone()),
        Value::Time(t) => Bind::Time(*t),
        Value::List(_) => Bind::Text(String::new()),
    }
}

/// Metric values are doubles: compared as one.
fn number(v: &Value) -> Bind {
    match v {
        Value::Number(n) => Bind::Float(*n),
        other => bind(other),
    }
}

/// A `LIKE` pattern as a `GLOB` one: `%` is `*`, `_` is `?`, and GLOB's
/// own specials are bracketed so they match themselves.
fn like_to_glob(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for ch in pattern.chars() {
        match ch {
            '%' => out.push('*'),
            '_' => out.push('?'),
            '*' | '?' | '[' => {
                out.push('[');
                out.push(ch);
                out.push(']');
            }
            other => out.push(other),
        }
    }
    out
}

/// `ORDER BY` terms for the sort keys, before the newest-first default;
/// `reverse` reads the list from its other end. A sort by the driving
/// metric is by `d.value`, which every listed run has.
pub fn order_terms(
    order_by: &[OrderBy],
    reverse: bool,
    driver: Option<&Driver>,
    f: &mut Sql,
) -> Vec<String> {
    let mut terms = Vec::new();
    let (asc, desc) = if reverse {
        ("DESC", "ASC")
    } else {
        ("ASC", "DESC")
    };
    for o in order_by {
        let dir = if o.descending { desc } else { asc };
        if let (Some(d), Field::Metric(key)) = (driver, &o.field)
            && d.read == Read::ByValue
            && d.single().is_some_and(|range| key == &range.key)
        {
            terms.push(format!("d.value {dir}"));
            continue;
        }
        // Runs without the value sort last either way, as MLflow's do.
        let expr = match &o.field {
            Field::Metric(key) => {
                let k = f.placeholder(Bind::Text(key.clone()));
                format!(
                    "(SELECT l.value FROM ml_run_metric_last l WHERE l.key = {k} AND l.run_id = x.id)"
                )
            }
            Field::Param(key) | Field::Tag(key) => {
                let table = if matches!(o.field, Field::Param(_)) {
                    "ml_run_param"
                } else {
                    "ml_run_tag"
                };
                let k = f.placeholder(Bind::Text(key.clone()));
                format!("(SELECT p.value FROM {table} p WHERE p.key = {k} AND p.run_id = x.id)")
            }
            Field::Attribute(a) => match a {
                Attribute::Id => "x.id".into(),
                Attribute::Status => "x.status".into(),
                Attribute::RunType => "x.run_type".into(),
                Attribute::Name => "x.name".into(),
                Attribute::Created => "x.created_at".into(),
                Attribute::Started => "x.started_at".into(),
                Attribute::Finished => "x.finished_at".into(),
                Attribute::Recipe => "r.name".into(),
                Attribute::Model => "m.name".into(),
                Attribute::Experiment => "COALESCE(e.name, r.name)".into(),
            },
        };
        terms.push(format!("CASE WHEN {expr} IS NULL THEN 1 ELSE 0 END {asc}"));
        terms.push(format!("{expr} {dir}"));
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_become_glob_patterns() {
        assert_eq!(like_to_glob("lr_%"), "lr?*");
        assert_eq!(like_to_glob("a*b?[c"), "a[*]b[?][[]c");
    }
}
