//! The lines a job prints to report to its run, read from its output as it
//! runs. Plain lines are log; these are also recorded:
//!
//! ```text
//! nexml:metric loss=0.31 acc=0.9 step=3     one or more metrics, at a step
//! nexml:metric wape=0.11                    without a step: a final value, after the metric's last step
//! nexml:param lr=0.01 epochs=20             params (text, as given)
//! nexml:tag team=pricing                    tags
//! nexml:artifact path/to/file               a file to register (relative to the run dir)
//! {"nexml": "metric", "key": "loss", "value": 0.31, "step": 3}
//! {"nexml": "metrics", "metrics": {"loss": 0.31}, "step": 3}
//! {"nexml": "params", "params": {"lr": "0.01"}}
//! {"nexml": "tags", "tags": {"team": "pricing"}}
//! {"nexml": "artifact", "path": "model.json"}
//! ```

use serde_json::Value;

/// What a line reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// `step: None`: a final value, recorded after the metric's last step.
    Metrics {
        values: Vec<(String, f64)>,
        step: Option<i64>,
    },
    Params(Vec<(String, String)>),
    Tags(Vec<(String, String)>),
    Artifact(String),
}

/// A line that looked like a report but was not one: logged with the reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct BadReport(pub String);

const PREFIX: &str = "nexml:";

/// The report a line carries, `None` for a plain log line.
pub fn parse_line(line: &str) -> Option<Result<Report, BadReport>> {
    let line = line.trim_end_matches(['\r', '\n']);
    let trimmed = line.trim_start();
    if let Some(rest) = trimmed.strip_prefix(PREFIX) {
        return Some(parse_prefixed(rest));
    }
    if trimmed.starts_with('{') && trimmed.contains("\"nexml\"") {
        let value: Value = serde_json::from_str(trimmed).ok()?;
        return value.get("nexml").map(|_| parse_json(&value));
    }
    None
}

fn parse_prefixed(rest: &str) -> Result<Report, BadReport> {
    let (kind, body) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let body = body.trim();
    match kind {
        "metric" | "metrics" => {
            let mut step = None;
            let mut values = Vec::new();
            for (key, value) in pairs(body, kind)? {
                if key == "step" {
                    step = Some(value.parse().map_err(|_| {
                        BadReport(format!(
                            "nexml:{kind}: step '{value}' is not a whole number"
                        ))
                    })?);
                    continue;
                }
                values.push((key.to_string(), number(kind, key, value)?));
            }
            if values.is_empty() {
                return Err(BadReport(format!(
                    "nexml:{kind}: no metric given (write nexml:metric loss=0.31 step=3)"
                )));
            }
            Ok(Report::Metrics { values, step })
        }
        "param" | "params" => Ok(Report::Params(owned(pairs(body, kind)?))),
        "tag" | "tags" => Ok(Report::Tags(owned(pairs(body, kind)?))),
        "artifact" => {
            if body.is_empty() {
                return Err(BadReport("nexml:artifact: no path given".into()));
            }
            Ok(Report::Artifact(body.to_string()))
        }
        other => Err(BadReport(format!(
            "nexml:{other}: unknown report (metric, param, tag or artifact)"
        ))),
    }
}

/// `key=value` pairs separated by spaces; a value may be quoted ("a b").
fn pairs<'a>(body: &'a str, kind: &str) -> Result<Vec<(&'a str, &'a str)>, BadReport> {
    let mut out = Vec::new();
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else {
            return Err(BadReport(format!(
                "nexml:{kind}: '{}' is not key=value",
                rest.split_whitespace().next().unwrap_or(rest)
            )));
        };
        let key = &rest[..eq];
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(BadReport(format!("nexml:{kind}: '{key}' is not a key")));
        }
        let after = &rest[eq + 1..];
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"').ok_or_else(|| {
                BadReport(format!(
                    "nexml:{kind}: the value of '{key}' has no closing quote"
                ))
            })?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        out.push((key, value));
        rest = next.trim_start();
    }
    if out.is_empty() {
        return Err(BadReport(format!(
            "nexml:{kind}: nothing given (key=value)"
        )));
    }
    Ok(out)
}

fn owned(pairs: Vec<(&str, &str)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn number(kind: &str, key: &str, value: &str) -> Result<f64, BadReport> {
    match value.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(BadReport(format!(
            "nexml:{kind}: {key}={value} is not a finite number (not recorded)"
        ))),
        Err(_) => Err(BadReport(format!(
            "nexml:{kind}: {key}={value} is not a number"
        ))),
    }
}

fn parse_json(v: &Value) -> Result<Report, BadReport> {
    let kind = v.get("nexml").and_then(Value::as_str).unwrap_or_default();
    let step =
        match v.get("step") {
            None | Some(Value::Null) => None,
            Some(s) => Some(s.as_i64().ok_or_else(|| {
                BadReport(format!("nexml {kind}: step {s} is not a whole number"))
            })?),
        };
    let text_map = |field: &str| -> Result<Vec<(String, String)>, BadReport> {
        let map = v
            .get(field)
            .and_then(Value::as_object)
            .ok_or_else(|| BadReport(format!("nexml {kind}: '{field}' must be an object")))?;
        Ok(map
            .iter()
            .map(|(k, x)| {
                let text = x
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string());
                (k.clone(), text)
            })
            .collect())
    };
    match kind {
        "metric" => {
            let key = v
                .get("key")
                .and_then(Value::as_str)
                .ok_or_else(|| BadReport("nexml metric: 'key' must be a string".into()))?;
            let value = v.get("value").and_then(Value::as_f64).ok_or_else(|| {
                BadReport(format!(
                    "nexml metric: the value of '{key}' must be a number"
                ))
            })?;
            Ok(Report::Metrics {
                values: vec![(key.to_string(), value)],
                step,
            })
        }
        "metrics" => {
            let map = v
                .get("metrics")
                .and_then(Value::as_object)
                .ok_or_else(|| BadReport("nexml metrics: 'metrics' must be an object".into()))?;
            let mut values = Vec::new();
            for (k, x) in map {
                let n = x.as_f64().ok_or_else(|| {
                    BadReport(format!(
                        "nexml metrics: the value of '{k}' must be a number"
                    ))
                })?;
                values.push((k.clone(), n));
            }
            Ok(Report::Metrics { values, step })
        }
        "params" | "param" => Ok(Report::Params(text_map("params")?)),
        "tags" | "tag" => Ok(Report::Tags(text_map("tags")?)),
        "artifact" => v
            .get("path")
            .and_then(Value::as_str)
            .map(|p| Report::Artifact(p.to_string()))
            .ok_or_else(|| BadReport("nexml artifact: 'path' must be a string".into())),
        other => Err(BadReport(format!(
            "nexml {other}: unknown report (metric, metrics, params, tags or artifact)"
        ))),
    }
}

/// A metric line as the protocol writes it.
pub fn metric_line(key: &str, value: f64, step: Option<i64>) -> String {
    match step {
        Some(s) => format!("{PREFIX}metric {key}={value} step={s}"),
        None => format!("{PREFIX}metric {key}={value}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> Report {
        parse_line(line).expect("a report").expect("valid")
    }

    #[test]
    fn metric_lines_carry_values_and_a_step() {
        assert_eq!(
            ok("nexml:metric loss=0.31 acc=0.9 step=3"),
            Report::Metrics {
                values: vec![("loss".into(), 0.31), ("acc".into(), 0.9)],
                step: Some(3)
            }
        );
        assert_eq!(
            ok("  nexml:metric rmse=1e-3\r\n"),
            Report::Metrics {
                values: vec![("rmse".into(), 0.001)],
                step: None
            }
        );
    }

    #[test]
    fn params_tags_and_artifacts() {
        assert_eq!(
            ok("nexml:param lr=0.01 name=\"holt winters\""),
            Report::Params(vec![
                ("lr".into(), "0.01".into()),
                ("name".into(), "holt winters".into())
            ])
        );
        assert_eq!(
            ok("nexml:tag team=pricing"),
            Report::Tags(vec![("team".into(), "pricing".into())])
        );
        assert_eq!(
            ok("nexml:artifact plots/loss.csv"),
            Report::Artifact("plots/loss.csv".into())
        );
    }

    #[test]
    fn json_lines() {
        assert_eq!(
            ok(r#"{"nexml": "metric", "key": "loss", "value": 0.5, "step": 2}"#),
            Report::Metrics {
                values: vec![("loss".into(), 0.5)],
                step: Some(2)
            }
        );
        assert_eq!(
            ok(r#"{"nexml": "params", "params": {"lr": 0.01, "opt": "adam"}}"#),
            Report::Params(vec![
                ("lr".into(), "0.01".into()),
                ("opt".into(), "adam".into())
            ])
        );
    }

    #[test]
    fn plain_lines_are_log() {
        for line in [
            "epoch 3 loss 0.4",
            "",
            "{\"loss\": 0.3}",
            "the nexml: prefix mid-line",
        ] {
            assert!(parse_line(line).is_none(), "{line}");
        }
    }

    #[test]
    fn bad_reports_say_what_is_wrong() {
        for (line, says) in [
            ("nexml:metric loss=abc step=1", "not a number"),
            ("nexml:metric loss=nan", "not a finite number"),
            ("nexml:metric loss=0.1 step=x", "not a whole number"),
            ("nexml:metric step=4", "no metric given"),
            ("nexml:metric loss", "not key=value"),
            ("nexml:param", "nothing given"),
            ("nexml:artifact", "no path"),
            ("nexml:metirc loss=1", "unknown report"),
            ("nexml:param a=\"open", "no closing quote"),
            (
                r#"{"nexml": "metric", "key": "loss", "value": "x"}"#,
                "must be a number",
            ),
        ] {
            let err = parse_line(line).expect("a report").expect_err(line);
            assert!(err.0.contains(says), "{line}: {err}");
        }
    }

    #[test]
    fn metric_line_round_trips() {
        let line = metric_line("val_loss", 0.125, Some(7));
        assert_eq!(
            ok(&line),
            Report::Metrics {
                values: vec![("val_loss".into(), 0.125)],
                step: Some(7)
            }
        );
    }
}
