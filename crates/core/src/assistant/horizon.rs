//! "forecast 12 weeks ahead", "horizon of 6 weeks": how far a forecasting
//! recipe predicts. The training stage's `forecast_horizon_weeks` and the
//! validation horizon move together, as a new recipe sets them; a recipe
//! of another family has no horizon, and is told so rather than replaced
//! by a new forecasting recipe.

use super::draft::{Decline, Draft};
use super::numbers::numbers_in;
use super::recipe;
use super::text::{Tokens, num};
use serde_json::{Value, json};

/// The edit, when the request asks for a horizon in weeks.
pub fn edit(t: &Tokens, m: &Value) -> Option<Result<Draft, Decline>> {
    let asks = t.has("horizon")
        || (t.has_any(&["forecast", "forecasting", "predict"])
            && t.has_any(&["ahead", "out", "forward"]));
    if !asks || !t.has_any(&["week", "weeks", "wk", "wks"]) {
        return None;
    }
    let weeks = numbers_in(t, 0, t.len()).first()?.value;
    Some(set_weeks(m, weeks))
}

/// The stage that forecasts, by index, if the recipe has one.
fn forecasting_stage(m: &Value) -> Option<usize> {
    m.pointer("/pipeline/stages")
        .and_then(Value::as_array)?
        .iter()
        .position(|s| s.pointer("/config/forecast_horizon_weeks").is_some())
}

/// How many weeks ahead the recipe forecasts, if it does.
pub fn weeks(m: &Value) -> Option<i64> {
    let stage = forecasting_stage(m)?;
    m.pointer(&format!(
        "/pipeline/stages/{stage}/config/forecast_horizon_weeks"
    ))?
    .as_i64()
}

fn set_weeks(m: &Value, weeks: f64) -> Result<Draft, Decline> {
    let stage = forecasting_stage(m);
    let Some(stage) = stage else {
        let family = recipe::family(m).map_or("this", |f| f.as_str());
        return Err(Decline::new(format!(
            "A {} recipe has no forecast horizon. A forecasting recipe has one: start one with \"new forecasting recipe with a {} week horizon\".",
            family.replace('_', " "),
            num(weeks)
        )));
    };
    if weeks < 1.0 || weeks.fract() != 0.0 || weeks > 104.0 {
        return Err(Decline::new(format!(
            "A forecast horizon is a whole number of weeks from 1 to 104; {} is not.",
            num(weeks)
        )));
    }
    let mut d = Draft::new(m);
    let stage = stage.to_string();
    let old = m
        .pointer(&format!(
            "/pipeline/stages/{stage}/config/forecast_horizon_weeks"
        ))
        .cloned()
        .unwrap_or(Value::Null);
    if d.set(
        &[
            "pipeline",
            "stages",
            &stage,
            "config",
            "forecast_horizon_weeks",
        ],
        json!(weeks as i64),
    )? {
        d.line(format!("forecast horizon: {old} -> {} weeks", num(weeks)));
    }
    if m.pointer("/evaluation/validation/horizon").is_some()
        && d.set(
            &["evaluation", "validation", "horizon"],
            json!(weeks as i64),
        )?
    {
        d.line(format!(
            "validation horizon: {} weeks, to score what is forecast",
            num(weeks)
        ));
    }
    if d.ops.is_empty() {
        d.same(format!("it already forecasts {} weeks ahead", num(weeks)));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_horizon_moves_training_and_validation_together_or_is_refused() {
        let forecasting = json!({
            "pipeline": {"stages": [{"config": {}}, {"config": {"forecast_horizon_weeks": 8}}]},
            "evaluation": {"validation": {"horizon": 8}}
        });
        let d = edit(&Tokens::new("forecast 12 weeks ahead"), &forecasting)
            .expect("a horizon request")
            .expect("an edit");
        assert_eq!(
            d.doc["pipeline"]["stages"][1]["config"]["forecast_horizon_weeks"],
            12
        );
        assert_eq!(d.doc["evaluation"]["validation"]["horizon"], 12);
        let same = edit(&Tokens::new("forecast 8 weeks ahead"), &forecasting)
            .expect("a horizon request")
            .expect("nothing to do");
        assert!(same.ops.is_empty());

        let nba =
            json!({"metadata": {"model_family": "next_best_action"}, "pipeline": {"stages": []}});
        let refused = edit(&Tokens::new("forecast 12 weeks ahead"), &nba)
            .expect("a horizon request")
            .expect_err("no horizon to set");
        assert!(
            refused.text.contains("has no forecast horizon"),
            "{}",
            refused.text
        );
        assert!(edit(&Tokens::new("set mape to 0.3"), &forecasting).is_none());
    }
}
