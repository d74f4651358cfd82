//! What a request to create a recipe states about its data: "target
//! units_sold", "entity keys customer_id and product_id", "timestamp col
//! sale_date", "grain sku_id x store_id x week", "min 730 days of history",
//! "label accepted within 14 days", "min 200 training sites". Each is read
//! into the new manifest; nothing said is silently dropped.

use super::draft::{Decline, Draft};
use super::lexicon::{
    COLUMN_FILLER, ENTITY_CUES, LABEL_CUES, NOT_A_COLUMN, PREDICT_CUES, TIMESTAMP_CUES,
};
use super::numbers::numbers_in;
use super::text::{Tokens, is_identifier};
use serde_json::{Value, json};

/// The new recipe's requirements as the request states them, or None when
/// it states none.
pub fn edit(t: &Tokens, m: &Value) -> Option<Result<Draft, Decline>> {
    let mut d = Draft::new(m);
    let result = (|| {
        if let Some(label) = column_after(t, LABEL_CUES).or_else(|| predicted_column(t)) {
            set_requirement(&mut d, "label", json!(label.1))?;
            if let Some(days) = window_after(t, label.0) {
                set_known_requirement(&mut d, "label_window_days", json!(days))?;
            }
        }
        if let Some(days) = label_window(t) {
            set_known_requirement(&mut d, "label_window_days", json!(days))?;
        }
        if let Some(path) = endpoint_path(t) {
            set_endpoint(&mut d, path)?;
        }
        if let Some(keys) = entity_keys(t) {
            set_requirement(&mut d, "entity_keys", json!(keys))?;
        }
        if let Some((_, column)) = column_after(t, TIMESTAMP_CUES) {
            set_requirement(&mut d, "timestamp_column", json!(column))?;
        }
        if let Some(grain) = stated_grain(t) {
            set_requirement(&mut d, "grain", json!(grain))?;
        }
        if let Some(days) = history_days(t) {
            set_known_requirement(&mut d, "min_history_days", json!(days))?;
        }
        if let Some(n) = count_before(t, &["training sites", "training site", "sites"]) {
            set_known_requirement(&mut d, "min_training_sites", json!(n))?;
        }
        Ok(())
    })();
    match result {
        Ok(()) if d.ops.is_empty() => None,
        Ok(()) => Some(Ok(d)),
        Err(e) => Some(Err(e)),
    }
}

/// The grain as typed ("sku_id x store_id x week"), when the request names
/// one in full: a known unit alone ("daily") is the caller's to read.
pub fn stated_grain(t: &Tokens) -> Option<String> {
    let at = (0..t.len()).find(|&i| t.word(i) == "grain")?;
    let mut after = at + 1;
    while COLUMN_FILLER.contains(&t.word(after)) {
        after += 1;
    }
    grain_from(t, after).or_else(|| grain_ending(t, at))
}

/// `a x b x c` read forwards from `from`, two parts at least.
fn grain_from(t: &Tokens, from: usize) -> Option<String> {
    let mut parts = Vec::new();
    let mut i = from;
    while grain_part(t, i) {
        parts.push(t.toks[i].orig.clone());
        if t.word(i + 1) != "x" {
            break;
        }
        i += 2;
    }
    (parts.len() >= 2).then(|| parts.join(" x "))
}

/// `a x b x c` ending just before `end` ("at store_id x sku_id x day grain").
fn grain_ending(t: &Tokens, end: usize) -> Option<String> {
    let mut start = end.checked_sub(1)?;
    while start >= 2 && t.word(start - 1) == "x" && grain_part(t, start - 2) {
        start -= 2;
    }
    grain_from(t, start).filter(|g| g.matches(" x ").count() + 1 == (end - start).div_ceil(2))
}

fn grain_part(t: &Tokens, i: usize) -> bool {
    t.toks.get(i).is_some_and(|x| {
        !x.punct && is_identifier(&x.text) && (x.text.contains('_') || is_time_unit(&x.text))
    })
}

fn is_time_unit(w: &str) -> bool {
    matches!(w, "hour" | "day" | "week" | "month" | "quarter" | "year")
}

/// The column named after the first of `cues` that has one: (where, name).
fn column_after(t: &Tokens, cues: &[&str]) -> Option<(usize, String)> {
    let mut from = 0;
    while let Some((at, len)) = t.find_any(cues, from) {
        let mut i = at + len;
        // "timestamp column (decision_time)": a bracket opens the name.
        while COLUMN_FILLER.contains(&t.word(i)) || t.word(i) == "(" {
            i += 1;
        }
        if let Some(x) = t.toks.get(i)
            && !x.punct
            && (x.quoted || (is_identifier(&x.text) && !NOT_A_COLUMN.contains(&x.text.as_str())))
        {
            return Some((i, x.orig.clone()));
        }
        from = at + 1;
    }
    None
}

/// "predict annual_sales": a column named right after a verb of predicting
/// is the label; only a column's name ("predict weekly demand" names none,
/// a quoted name is the recipe's, "forecast sku_id demand" names a key).
fn predicted_column(t: &Tokens) -> Option<(usize, String)> {
    let mut from = 0;
    while let Some((at, len)) = t.find_any(PREDICT_CUES, from) {
        if let Some(x) = t.toks.get(at + len)
            && !x.punct
            && !x.quoted
            && is_identifier(&x.text)
            && x.text.contains('_')
            && !x.text.ends_with("_id")
        {
            return Some((at + len, x.orig.clone()));
        }
        from = at + 1;
    }
    None
}

/// "customer_id and product_id", "site_id": identifiers after an entity cue.
fn entity_keys(t: &Tokens) -> Option<Vec<String>> {
    let (at, len) = t.find_any(ENTITY_CUES, 0)?;
    let mut i = at + len;
    while COLUMN_FILLER.contains(&t.word(i)) || t.word(i) == "(" {
        i += 1;
    }
    let mut keys = Vec::new();
    while let Some(x) = t.toks.get(i) {
        if x.punct || !is_identifier(&x.text) || !looks_like_a_key(&x.text) {
            break;
        }
        keys.push(x.orig.clone());
        // "a and b", "a & b", "a x b", "(a, b)".
        i += match t.word(i + 1) {
            "and" | "&" | "x" | "+" => 2,
            "," if looks_like_a_key(t.word(i + 2)) => 2,
            next if looks_like_a_key(next) => 1,
            _ => break,
        };
    }
    (!keys.is_empty()).then_some(keys)
}

fn looks_like_a_key(w: &str) -> bool {
    w.contains('_') || w.ends_with("id")
}

/// "label accepted within 14 days": the days after the label, if said.
fn window_after(t: &Tokens, label_at: usize) -> Option<i64> {
    if t.word(label_at + 1) != "within" {
        return None;
    }
    let n = numbers_in(t, label_at + 2, label_at + 3)
        .into_iter()
        .next()?;
    let days = n.value * unit_days(t.word(label_at + 3))?;
    whole(days)
}

/// "a 30 day acceptance window", "conversion window of 14 days": how long
/// after a decision its outcome counts.
fn label_window(t: &Tokens) -> Option<i64> {
    let at = (1..t.len()).find(|&i| {
        t.word(i) == "window"
            && matches!(
                t.word(i - 1),
                "acceptance" | "conversion" | "response" | "outcome" | "attribution" | "label"
            )
    })?;
    // "30 day acceptance window" or "acceptance window of 30 days".
    let (n, unit) = match numbers_in(t, at.saturating_sub(4), at).into_iter().next() {
        Some(n) => (n, t.word(n.at + 1)),
        None => {
            let n = numbers_in(t, at + 1, (at + 4).min(t.len()))
                .into_iter()
                .next()?;
            (n, t.word(n.at + 1))
        }
    };
    whole(n.value * unit_days(unit)?)
}

/// "serve it on /v1/ecom/nba": an endpoint's path, typed whole, in a
/// request that speaks of serving ("data in /warehouse/crm" is no endpoint).
fn endpoint_path(t: &Tokens) -> Option<String> {
    let serving = (0..t.len()).any(|i| {
        matches!(
            t.word(i),
            "serve" | "served" | "serving" | "serves" | "endpoint" | "route" | "api"
        )
    });
    if !serving {
        return None;
    }
    t.toks
        .iter()
        .map(|x| x.orig.as_str())
        .find(|w| w.starts_with('/') && w.len() > 2 && w[1..].contains('/') && !w.contains("//"))
        .map(str::to_string)
}

/// The endpoint's path, where the family serves from one.
fn set_endpoint(d: &mut Draft, path: String) -> Result<(), Decline> {
    let at = ["deployment", "endpoint", "path"];
    let Some(before) = d.get(&at).cloned() else {
        d.note(format!(
            "I did not change: this family's recipes are not served from an endpoint ({path})"
        ));
        return Ok(());
    };
    if d.set(&at, json!(path))? {
        d.line(format!(
            "endpoint: {} -> {path}",
            super::text::show(&before)
        ));
    }
    Ok(())
}

/// "min 730 days of history", "90 days min history", "2 years of history".
fn history_days(t: &Tokens) -> Option<i64> {
    let at = (0..t.len()).find(|&i| t.word(i) == "history")?;
    let lo = at.saturating_sub(5);
    let hi = (at + 4).min(t.len());
    numbers_in(t, lo, hi).into_iter().find_map(|n| {
        let unit = unit_days(t.word(n.at + 1))?;
        (!n.percent).then(|| whole(n.value * unit)).flatten()
    })
}

/// A whole count said just before one of `phrases`: "min 200 training sites".
fn count_before(t: &Tokens, phrases: &[&str]) -> Option<i64> {
    let (at, _) = t.find_any(phrases, 0)?;
    let n = numbers_in(t, at.checked_sub(1)?, at).into_iter().next()?;
    let says_minimum = at >= 2 && matches!(t.word(at - 2), "min" | "minimum" | "least");
    (says_minimum && !n.percent)
        .then(|| whole(n.value))
        .flatten()
}

fn unit_days(w: &str) -> Option<f64> {
    match w {
        "day" | "days" => Some(1.0),
        "week" | "weeks" => Some(7.0),
        "month" | "months" => Some(30.0),
        "year" | "years" => Some(365.0),
        _ => None,
    }
}

fn whole(x: f64) -> Option<i64> {
    (x >= 1.0 && x.fract() == 0.0).then_some(x as i64)
}

fn set_requirement(d: &mut Draft, key: &str, value: Value) -> Result<(), Decline> {
    let before = d.get(&["requirements", key]).cloned();
    if d.set(&["requirements", key], value.clone())? {
        d.line(format!(
            "{key}: {} -> {}",
            before
                .as_ref()
                .map(super::text::show)
                .unwrap_or_else(|| "none".into()),
            super::text::show(&value)
        ));
    }
    Ok(())
}

/// Sets a requirement the family's baseline has; one it lacks is said, not made.
fn set_known_requirement(d: &mut Draft, key: &str, value: Value) -> Result<(), Decline> {
    if d.get(&["requirements", key]).is_none() {
        d.note(format!(
            "I did not change: this family's recipes have no requirements.{key}"
        ));
        return Ok(());
    }
    set_requirement(d, key, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(request: &str) -> Value {
        let m = json!({"requirements": {
            "grain": "store_id x sku_id x week", "label": "units_sold",
            "timestamp_column": "week_start_date", "min_history_days": 728,
            "entity_keys": ["store_id", "sku_id"], "label_window_days": 7
        }});
        match edit(&Tokens::new(request), &m) {
            Some(Ok(d)) => d.doc["requirements"].clone(),
            Some(Err(e)) => panic!("{request}: {}", e.text),
            None => Value::Null,
        }
    }

    #[test]
    fn a_new_recipes_data_is_read_as_stated() {
        let r = read("new recipe, grain sku_id x zone_id x day, target = units_shipped");
        assert_eq!(r["grain"], "sku_id x zone_id x day");
        assert_eq!(r["label"], "units_shipped");
        let r = read("keyed by customer_id & offer_id, timestamp column decided_at");
        assert_eq!(r["entity_keys"], json!(["customer_id", "offer_id"]));
        assert_eq!(r["timestamp_column"], "decided_at");
        let r = read("at store_id x day grain with 3 years of history");
        assert_eq!(r["grain"], "store_id x day");
        assert_eq!(r["min_history_days"], 1095);
        let r = read("label converted within 3 weeks");
        assert_eq!(r["label"], "converted");
        assert_eq!(r["label_window_days"], 21);
    }

    #[test]
    fn nothing_stated_changes_nothing() {
        assert_eq!(
            read("a daily demand forecast for retail stores"),
            Value::Null
        );
        assert_eq!(
            read("sales per region, with the target metric wape"),
            Value::Null
        );
    }
}
