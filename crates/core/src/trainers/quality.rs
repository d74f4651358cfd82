//! The quality stage: the manifest's checks run on the generated table. Each
//! check prints one line; a check the data fails stops the pipeline (unless
//! the stage says `fail_on_error: false`); a check that cannot apply to the
//! generated data (a column it does not have, a kind of check unknown here)
//! is skipped and says why, rather than passing silently.

use super::report::{Report, count, number, percent};
use super::settings::Settings;
use super::stage::TrainerError;
use super::table::{Cells, Table};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// What the table alone cannot tell the checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// Per row, the load (week or day) it arrived with: `row_count_change`
    /// compares the last load's row count with the previous one's.
    pub load: Option<&'a [i64]>,
    /// Per row, whole days from its timestamp to the data's as-of date:
    /// `label_maturity` needs each label to have had time to arrive.
    pub age_days: Option<&'a [i64]>,
    /// The boolean label column `positive_rate` reads, and optionally the
    /// rows it applies to (offers shown, not the control group).
    pub label: Option<&'a str>,
    pub label_rows: Option<&'a [bool]>,
}

enum Outcome {
    Pass(String),
    Fail(String),
    Skip(String),
}

/// Runs the stage's checks on `table`; prints a line per check and a
/// summary.
pub fn run(
    stage: Settings<'_>,
    table: &Table,
    ctx: &Context<'_>,
    report: &mut Report<'_>,
) -> Result<(), TrainerError> {
    let checks = stage.get("/checks").and_then(Value::as_array);
    let Some(checks) = checks.filter(|c| !c.is_empty()) else {
        report.line(format!(
            "quality: no checks configured in stage '{}'; {} rows generated",
            stage.place,
            count(table.rows())
        ))?;
        return Ok(());
    };
    let (mut passed, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for (i, check) in checks.iter().enumerate() {
        let name = check.get("check").and_then(Value::as_str).unwrap_or("");
        let (label, outcome) = if name.is_empty() {
            (
                format!("check {}", i + 1),
                Outcome::Skip("no 'check' name".to_string()),
            )
        } else {
            (describe(name, check), evaluate(name, check, table, ctx))
        };
        match outcome {
            Outcome::Pass(detail) => {
                passed += 1;
                report.line(format!("quality: pass {label}: {detail}"))?;
            }
            Outcome::Skip(detail) => {
                skipped += 1;
                report.line(format!("quality: skip {label}: {detail}"))?;
            }
            Outcome::Fail(detail) => {
                report.line(format!("quality: FAIL {label}: {detail}"))?;
                failures.push(format!("{label}: {detail}"));
            }
        }
    }
    report.metric("quality_checks_passed", passed as f64, None)?;
    report.metric("quality_checks_failed", failures.len() as f64, None)?;
    report.line(format!(
        "quality: {passed} checks passed, {} failed, {skipped} skipped on {} rows x {} columns",
        failures.len(),
        count(table.rows()),
        table.width()
    ))?;
    if let Some(first) = failures.first() {
        if stage.flag("/fail_on_error", true) {
            return Err(TrainerError::Quality {
                stage: stage.place.to_string(),
                checks: checks.len(),
                failed: failures.len(),
                first: first.clone(),
            });
        }
        report.line("quality: failures reported as warnings (fail_on_error is false)")?;
    }
    Ok(())
}

/// The check's columns: `columns` (a list) or `column` (one name).
fn columns(check: &Value) -> Vec<&str> {
    if let Some(list) = check.get("columns").and_then(Value::as_array) {
        return list.iter().filter_map(Value::as_str).collect();
    }
    check
        .get("column")
        .and_then(Value::as_str)
        .into_iter()
        .collect()
}

fn describe(name: &str, check: &Value) -> String {
    let cols = columns(check);
    match name {
        "expression" => format!(
            "expression '{}'",
            check.get("expr").and_then(Value::as_str).unwrap_or("")
        ),
        _ if cols.is_empty() => name.to_string(),
        _ => format!("{name}({})", cols.join(", ")),
    }
}

fn evaluate(name: &str, check: &Value, table: &Table, ctx: &Context<'_>) -> Outcome {
    let cols = columns(check);
    let missing: Vec<&str> = cols
        .iter()
        .copied()
        .filter(|c| table.column(c).is_none())
        .collect();
    if !missing.is_empty() && matches!(name, "not_null" | "unique" | "range") {
        return Outcome::Skip(format!(
            "column {} not in the generated data",
            missing.join(", ")
        ));
    }
    match name {
        "not_null" => not_null(&cols, table),
        "unique" => unique(&cols, table),
        "range" => range(&cols, check, table),
        "row_count_change" => row_count_change(check, ctx),
        "expression" => expression(check, table),
        "label_maturity" => label_maturity(check, ctx),
        "positive_rate" => positive_rate(check, table, ctx),
        _ => Outcome::Skip("not a check the built-in trainers run".to_string()),
    }
}

fn not_null(cols: &[&str], table: &Table) -> Outcome {
    if cols.is_empty() {
        return Outcome::Skip("no columns named".to_string());
    }
    let mut bad = Vec::new();
    for name in cols {
        if let Some(cells) = table.column(name) {
            let nulls = (0..table.rows()).filter(|&r| cells.is_null(r)).count();
            if nulls > 0 {
                bad.push(format!("{name} has {} missing", count(nulls)));
            }
        }
    }
    if bad.is_empty() {
        Outcome::Pass(format!("no missing values in {} rows", count(table.rows())))
    } else {
        Outcome::Fail(bad.join("; "))
    }
}

fn unique(cols: &[&str], table: &Table) -> Outcome {
    let cells: Vec<&Cells> = cols.iter().filter_map(|c| table.column(c)).collect();
    if cells.is_empty() {
        return Outcome::Skip("no columns named".to_string());
    }
    let mut seen = HashSet::with_capacity(table.rows());
    let mut duplicates = 0;
    let mut first = None;
    for row in 0..table.rows() {
        // Unit separator: cannot occur in the generated text.
        let key: Vec<String> = cells.iter().map(|c| c.key(row)).collect();
        let key = key.join("\u{1f}");
        if !seen.insert(key.clone()) {
            duplicates += 1;
            first.get_or_insert(key.replace('\u{1f}', ", "));
        }
    }
    match first {
        None => Outcome::Pass(format!("{} distinct keys", count(seen.len()))),
        Some(key) => Outcome::Fail(format!(
            "{} duplicate rows, first key ({key})",
            count(duplicates)
        )),
    }
}

fn range(cols: &[&str], check: &Value, table: &Table) -> Outcome {
    let min = check.get("min").and_then(Value::as_f64);
    let max = check.get("max").and_then(Value::as_f64);
    if min.is_none() && max.is_none() {
        return Outcome::Skip("neither min nor max given".to_string());
    }
    let bounds = match (min, max) {
        (Some(lo), Some(hi)) => format!("between {} and {}", number(lo), number(hi)),
        (Some(lo), None) => format!(">= {}", number(lo)),
        (None, Some(hi)) => format!("<= {}", number(hi)),
        (None, None) => String::new(),
    };
    let mut bad = Vec::new();
    let mut seen = 0;
    for name in cols {
        let Some(values) = table.column(name).and_then(Cells::numbers) else {
            return Outcome::Skip(format!("column {name} is not numeric"));
        };
        let present: Vec<f64> = values.iter().flatten().copied().collect();
        seen += present.len();
        let out: Vec<f64> = present
            .iter()
            .copied()
            .filter(|&x| min.is_some_and(|lo| x < lo) || max.is_some_and(|hi| x > hi))
            .collect();
        if let Some(worst) = out.first() {
            bad.push(format!(
                "{name}: {} of {} values outside {bounds} (e.g. {})",
                count(out.len()),
                count(present.len()),
                number(*worst)
            ));
        }
    }
    if bad.is_empty() {
        Outcome::Pass(format!("{} values, all {bounds}", count(seen)))
    } else {
        Outcome::Fail(bad.join("; "))
    }
}

fn row_count_change(check: &Value, ctx: &Context<'_>) -> Outcome {
    let Some(max) = check
        .get("max_pct_change_vs_prev_load")
        .and_then(Value::as_f64)
    else {
        return Outcome::Skip("no max_pct_change_vs_prev_load given".to_string());
    };
    let Some(load) = ctx.load else {
        return Outcome::Skip("the generated data has no loads".to_string());
    };
    let mut counts = BTreeMap::new();
    for l in load {
        *counts.entry(*l).or_insert(0usize) += 1;
    }
    let mut last_two = counts.values().rev();
    let (Some(&last), Some(&previous)) = (last_two.next(), last_two.next()) else {
        return Outcome::Skip("fewer than two loads".to_string());
    };
    let change = (last as f64 - previous as f64).abs() / previous as f64;
    let detail = format!(
        "last load {} rows vs previous {} ({} change, at most {} allowed)",
        count(last),
        count(previous),
        percent(change),
        percent(max)
    );
    if change <= max {
        Outcome::Pass(detail)
    } else {
        Outcome::Fail(detail)
    }
}

fn label_maturity(check: &Value, ctx: &Context<'_>) -> Outcome {
    let Some(min_days) = check
        .get("min_days_since_decision")
        .or_else(|| check.get("min_days"))
        .and_then(Value::as_f64)
    else {
        return Outcome::Skip("no min_days_since_decision given".to_string());
    };
    let Some(ages) = ctx.age_days else {
        return Outcome::Skip("the generated data has no decision dates".to_string());
    };
    let young = ages.iter().filter(|&&a| (a as f64) < min_days).count();
    if young == 0 {
        Outcome::Pass(format!(
            "every label at least {} days old ({} rows)",
            number(min_days),
            count(ages.len())
        ))
    } else {
        Outcome::Fail(format!(
            "{} of {} rows are younger than {} days: their labels may still change",
            count(young),
            count(ages.len()),
            number(min_days)
        ))
    }
}

fn positive_rate(check: &Value, table: &Table, ctx: &Context<'_>) -> Outcome {
    let Some(label) = ctx.label else {
        return Outcome::Skip("the generated data has no boolean label".to_string());
    };
    let Some(flags) = table.column(label).and_then(Cells::flags) else {
        return Outcome::Skip(format!("label {label} not in the generated data"));
    };
    let (mut rows, mut positives) = (0usize, 0usize);
    for (i, f) in flags.iter().enumerate() {
        if ctx
            .label_rows
            .is_some_and(|keep| !keep.get(i).copied().unwrap_or(false))
        {
            continue;
        }
        if let Some(f) = f {
            rows += 1;
            positives += usize::from(*f);
        }
    }
    if rows == 0 {
        return Outcome::Fail(format!("no labelled rows in {label}"));
    }
    let rate = positives as f64 / rows as f64;
    let min = check.get("min").and_then(Value::as_f64).unwrap_or(0.0);
    let max = check.get("max").and_then(Value::as_f64).unwrap_or(1.0);
    let detail = format!(
        "{label} rate {} over {} rows (allowed {} to {})",
        percent(rate),
        count(rows),
        percent(min),
        percent(max)
    );
    if (min..=max).contains(&rate) {
        Outcome::Pass(detail)
    } else {
        Outcome::Fail(detail)
    }
}

/// `unit_price >= 0.5 * unit_cost`: a comparison of two products of
/// numbers and column names. Rows with a missing operand are not judged.
fn expression(check: &Value, table: &Table) -> Outcome {
    let Some(expr) = check.get("expr").and_then(Value::as_str) else {
        return Outcome::Skip("no expr given".to_string());
    };
    let Some(parsed) = Comparison::parse(expr) else {
        return Outcome::Skip(
            "only 'a OP b' comparisons of products of columns and numbers are evaluated"
                .to_string(),
        );
    };
    for name in parsed.columns() {
        match table.column(name).and_then(Cells::numbers) {
            Some(_) => {}
            None => {
                return Outcome::Skip(format!("column {name} not numeric in the generated data"));
            }
        }
    }
    let column = |name: &str| table.column(name).and_then(Cells::numbers);
    let (mut judged, mut violating) = (0usize, 0usize);
    for row in 0..table.rows() {
        let value = |term: &[Factor]| -> Option<f64> {
            term.iter().try_fold(1.0, |acc, f| match f {
                Factor::Number(x) => Some(acc * x),
                Factor::Column(name) => column(name)?.get(row).copied().flatten().map(|v| acc * v),
            })
        };
        if let (Some(l), Some(r)) = (value(&parsed.left), value(&parsed.right)) {
            judged += 1;
            if !parsed.op.holds(l, r) {
                violating += 1;
            }
        }
    }
    let on_fail = check
        .get("on_fail")
        .and_then(Value::as_str)
        .unwrap_or("fail");
    if violating == 0 {
        Outcome::Pass(format!("holds on all {} rows", count(judged)))
    } else if on_fail == "drop_row" {
        Outcome::Pass(format!(
            "{} of {} rows violate it (on_fail drop_row: they would be dropped)",
            count(violating),
            count(judged)
        ))
    } else {
        Outcome::Fail(format!(
            "{} of {} rows violate it",
            count(violating),
            count(judged)
        ))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Factor {
    Number(f64),
    Column(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
    Ne,
}

impl Op {
    fn holds(self, l: f64, r: f64) -> bool {
        match self {
            Op::Ge => l >= r,
            Op::Le => l <= r,
            Op::Gt => l > r,
            Op::Lt => l < r,
            Op::Eq => l == r,
            Op::Ne => l != r,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Comparison {
    left: Vec<Factor>,
    op: Op,
    right: Vec<Factor>,
}

impl Comparison {
    fn parse(expr: &str) -> Option<Comparison> {
        let (op, at, width) = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            (">", Op::Gt),
            ("<", Op::Lt),
        ]
        .iter()
        .find_map(|(text, op)| expr.find(text).map(|at| (*op, at, text.len())))?;
        let left = product(&expr[..at])?;
        let right = product(&expr[at + width..])?;
        Some(Comparison { left, op, right })
    }

    fn columns(&self) -> impl Iterator<Item = &str> {
        self.left.iter().chain(&self.right).filter_map(|f| match f {
            Factor::Column(name) => Some(name.as_str()),
            Factor::Number(_) => None,
        })
    }
}

fn product(text: &str) -> Option<Vec<Factor>> {
    text.split('*')
        .map(|part| {
            let part = part.trim();
            if let Ok(x) = part.parse::<f64>() {
                return Some(Factor::Number(x));
            }
            let ident = !part.is_empty()
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !part.starts_with(|c: char| c.is_ascii_digit());
            ident.then(|| Factor::Column(part.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table() -> Table {
        let mut t = Table::default();
        t.text("id", ["a", "b", "c"].map(|s| Some(s.to_string())));
        t.num("price", [Some(2.0), Some(3.0), None]);
        t.num("cost", [Some(1.0), Some(7.0), Some(1.0)]);
        t
    }

    fn run_checks(checks: Value) -> (Result<(), TrainerError>, String) {
        let config = json!({ "checks": checks });
        let stage = Settings {
            place: "dq",
            value: &config,
        };
        let mut out = Vec::new();
        let result = run(
            stage,
            &table(),
            &Context::default(),
            &mut Report::new(&mut out),
        );
        (result, String::from_utf8(out).unwrap_or_default())
    }

    #[test]
    fn expressions_parse_and_judge_rows() {
        let c = Comparison::parse("unit_price >= 0.5 * unit_cost").unwrap();
        assert_eq!(c.op, Op::Ge);
        assert_eq!(c.left, vec![Factor::Column("unit_price".into())]);
        assert_eq!(
            c.right,
            vec![Factor::Number(0.5), Factor::Column("unit_cost".into())]
        );
        assert!(Comparison::parse("f(x) > 1").is_none());
        let (result, text) =
            run_checks(json!([{ "check": "expression", "expr": "price >= 0.5 * cost" }]));
        assert!(result.is_err(), "{text}");
        assert!(text.contains("1 of 2 rows violate it"), "{text}");
        let (result, _) = run_checks(
            json!([{ "check": "expression", "expr": "price >= 0.5 * cost", "on_fail": "drop_row" }]),
        );
        assert!(result.is_ok());
    }

    #[test]
    fn each_check_kind_passes_fails_or_skips() {
        let (result, text) = run_checks(json!([
            { "check": "not_null", "columns": ["id", "cost"] },
            { "check": "unique", "columns": ["id"] },
            { "check": "range", "column": "cost", "min": 0.5 },
            { "check": "freshness" },
            { "check": "not_null", "columns": ["nope"] }
        ]));
        assert!(result.is_ok(), "{text}");
        assert!(
            text.contains("3 checks passed, 0 failed, 2 skipped"),
            "{text}"
        );
        let (result, text) = run_checks(json!([{ "check": "not_null", "columns": ["price"] }]));
        let err = result.unwrap_err().to_string();
        assert!(err.contains("price has 1 missing"), "{err}");
        assert!(text.contains("quality: FAIL not_null(price)"), "{text}");
        let (result, _) = run_checks(json!([{ "check": "range", "column": "cost", "max": 5 }]));
        assert!(result.is_err());
    }
}
