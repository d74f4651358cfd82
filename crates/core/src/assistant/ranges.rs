//! Settings that are a range, a `min` and a `max` together: "competitor
//! price index band 0.95-1.05", "positive rate sanity check: 0.1%–50%",
//! "tighten the competitor band by 2 points on each side".

use super::draft::{Decline, Draft};
use super::names::words;
use super::numbers::parse_number;
use super::text::{jnum, num};
use serde_json::Value;

/// A `{min, max}` object of the manifest.
struct Range {
    path: Vec<String>,
    words: Vec<String>,
    min: f64,
    max: f64,
}

/// The edit, when the clause names a range and gives its bounds or moves
/// them; None when it names none.
pub fn edit(raw: &str, m: &Value) -> Option<Result<Draft, Decline>> {
    let said = words(raw);
    let mut ranges = Vec::new();
    collect(m, &mut Vec::new(), &mut Vec::new(), &mut ranges);
    let range = named(&said, &ranges)?;
    let fraction = range.max <= 1.0;
    let bounds = if let Some((lo, hi)) = bounds_in(raw, fraction) {
        (lo, hi)
    } else {
        let (step, way) = step_in(raw)?;
        let (lo, hi) = (range.min + way * step, range.max - way * step);
        ((lo * 1e9).round() / 1e9, (hi * 1e9).round() / 1e9)
    };
    Some(set(m, range, bounds))
}

fn collect(v: &Value, path: &mut Vec<String>, context: &mut Vec<String>, out: &mut Vec<Range>) {
    match v {
        Value::Object(map) => {
            if let (Some(min), Some(max)) = (
                map.get("min").and_then(Value::as_f64),
                map.get("max").and_then(Value::as_f64),
            ) {
                let mut words = context.clone();
                // A check in a list is named by its "check" (and "column").
                for k in ["check", "column", "metric"] {
                    if let Some(name) = map.get(k).and_then(Value::as_str) {
                        words.extend(name.split('_').map(str::to_string));
                    }
                }
                out.push(Range {
                    path: path.clone(),
                    words,
                    min,
                    max,
                });
            }
            for (k, child) in map {
                path.push(k.clone());
                let n = context.len();
                if !matches!(k.as_str(), "config" | "pipeline" | "stages" | "checks") {
                    context.extend(k.split('_').map(str::to_string));
                }
                collect(child, path, context, out);
                context.truncate(n);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                collect(item, path, context, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The range most of whose words the clause says (at least two, or one
/// word no other range has), if exactly one is best.
fn named<'a>(said: &[String], ranges: &'a [Range]) -> Option<&'a Range> {
    let says = |w: &str, k: &str| {
        w == k
            || w.trim_end_matches('s') == k.trim_end_matches('s')
            || (w.len() >= 6 && super::text::edit_distance(w, k) <= 1)
    };
    let score = |r: &Range| {
        r.words
            .iter()
            .filter(|k| said.iter().any(|w| says(w, k)))
            .count()
    };
    let best = ranges.iter().map(score).max()?;
    let top: Vec<&Range> = ranges.iter().filter(|r| score(r) == best).collect();
    match (best, top.as_slice()) {
        (2.., [one]) => Some(one),
        _ => None,
    }
}

/// "0.95-1.05", "0.1%–50%", "between 0.9 and 1.1", "from 2 to 5".
fn bounds_in(raw: &str, fraction: bool) -> Option<(f64, f64)> {
    let value = |s: &str| {
        let s = s.trim_matches(|c: char| !(c.is_ascii_digit() || c == '.' || c == '%'));
        parse_number(s).map(|(v, pct)| if pct && !fraction { v * 100.0 } else { v })
    };
    for w in raw.split_whitespace() {
        if let Some((a, b)) = w.split_once(['-', '–', '—'])
            && let (Some(lo), Some(hi)) = (value(a), value(b))
        {
            return (lo <= hi).then_some((lo, hi));
        }
    }
    let tokens: Vec<&str> = raw.split_whitespace().collect();
    tokens.windows(3).find_map(|w| {
        let joined = matches!(w[1].to_lowercase().as_str(), "to" | "and");
        match (joined, value(w[0]), value(w[2])) {
            (true, Some(lo), Some(hi)) if lo <= hi => Some((lo, hi)),
            _ => None,
        }
    })
}

/// "tighten … by 2 points": the step (points are hundredths)
/// and which way (1 narrows, -1 widens).
fn step_in(raw: &str) -> Option<(f64, f64)> {
    // Whole tokens: "0.01" is one number here.
    let said: Vec<String> = raw
        .split_whitespace()
        .map(|w| w.trim_end_matches([',', ';', '!', '?']).to_lowercase())
        .collect();
    let way = if said
        .iter()
        .any(|w| matches!(w.as_str(), "tighten" | "narrow" | "shrink"))
    {
        1.0
    } else if said
        .iter()
        .any(|w| matches!(w.as_str(), "widen" | "loosen" | "relax" | "broaden"))
    {
        -1.0
    } else {
        return None;
    };
    let by = said.iter().position(|w| w == "by")?;
    let n = said
        .get(by + 1)
        .and_then(|w| parse_number(w))
        .map(|(v, _)| v)?;
    let points = said
        .get(by + 2)
        .is_some_and(|w| w.starts_with("point") || w == "pts");
    // A point is a percentage point: a hundredth.
    Some((if points { n / 100.0 } else { n }, way))
}

fn set(m: &Value, range: &Range, (lo, hi): (f64, f64)) -> Result<Draft, Decline> {
    if lo > hi {
        return Err(Decline::new(format!(
            "That leaves the range empty ({} to {}).",
            num(lo),
            num(hi)
        )));
    }
    let mut d = Draft::new(m);
    let path: Vec<&str> = range.path.iter().map(String::as_str).collect();
    let label = range.words.join(" ");
    let min = [path.as_slice(), &["min"]].concat();
    let max = [path.as_slice(), &["max"]].concat();
    let changed_min = d.set(&min, jnum(lo))?;
    let changed_max = d.set(&max, jnum(hi))?;
    if changed_min || changed_max {
        d.line(format!(
            "{label}: {} to {} (was {} to {})",
            num(lo),
            num(hi),
            num(range.min),
            num(range.max)
        ));
    } else {
        d.same(format!("{label} is already {} to {}", num(lo), num(hi)));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest() -> Value {
        json!({"pipeline": {"stages": [
            {"config": {"checks": [{"check": "not_null"}, {"check": "positive_rate", "min": 0.005, "max": 0.4}]}},
            {"config": {"guardrails": {"competitor_price_index_band": {"min": 0.92, "max": 1.08}}}}
        ]}})
    }

    fn bounds(request: &str) -> (Value, Value) {
        let d = edit(request, &manifest())
            .unwrap_or_else(|| panic!("{request}: no range"))
            .unwrap_or_else(|e| panic!("{request}: {}", e.text));
        let band = "/pipeline/stages/1/config/guardrails/competitor_price_index_band";
        let check = "/pipeline/stages/0/config/checks/1";
        let at = if request.contains("band") {
            band
        } else {
            check
        };
        (
            d.doc
                .pointer(&format!("{at}/min"))
                .cloned()
                .unwrap_or_default(),
            d.doc
                .pointer(&format!("{at}/max"))
                .cloned()
                .unwrap_or_default(),
        )
    }

    #[test]
    fn ranges_take_bounds_or_move_both_ends() {
        assert_eq!(
            bounds("competitr price index band 0.95-1.05"),
            (json!(0.95), json!(1.05))
        );
        assert_eq!(
            bounds("positive rate sanity check: 0.1%–50%"),
            (json!(0.001), json!(0.5))
        );
        assert_eq!(
            bounds("tighten the competitor band by 2 points on each side"),
            (json!(0.94), json!(1.06))
        );
        assert_eq!(
            bounds("widen the competitor band by 0.01"),
            (json!(0.91), json!(1.09))
        );
        assert!(edit("set mape to 0.3", &manifest()).is_none());
    }
}
