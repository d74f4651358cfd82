//! Numbers in requests: plain, percentages, "12k", number words, comparisons
//! ("under", "at least") and durations in hours.

use super::text::Tokens;

/// A number found in a request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    pub value: f64,
    /// Written as a percentage ("12%", "12 percent"): `value` is already /100.
    pub percent: bool,
    /// Token position.
    pub at: usize,
}

/// How an observed value is compared with a threshold, as the schema spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
        }
    }

    /// "above", "at or below"...: used in generated alert names.
    pub fn word(self) -> &'static str {
        match self {
            Cmp::Gt => "above",
            Cmp::Ge => "at_or_above",
            Cmp::Lt => "below",
            Cmp::Le => "at_or_below",
        }
    }

    /// True for `>`/`>=`: the user wants the value high.
    pub fn is_upper(self) -> bool {
        matches!(self, Cmp::Gt | Cmp::Ge)
    }
}

const NUMBER_WORDS: &[(&str, f64)] = &[
    ("zero", 0.0),
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("fifteen", 15.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("half", 0.5),
];

/// Parses one token: "0.12", ".8", "12%", "12k", "1.5m", "twelve".
/// Returns the value and whether it was a percentage (already divided by 100).
pub fn parse_number(tok: &str) -> Option<(f64, bool)> {
    if let Some(&(_, v)) = NUMBER_WORDS.iter().find(|(w, _)| *w == tok) {
        return Some((v, false));
    }
    let (body, percent) = match tok.strip_suffix('%') {
        Some(b) => (b, true),
        None => (tok, false),
    };
    let (body, scale) = match body.strip_suffix('k') {
        Some(b) => (b, 1_000.0),
        None => match body.strip_suffix('m') {
            // "6m" could be minutes; only accept millions with a decimal or >= 1.
            Some(b) if !b.is_empty() && b.parse::<f64>().is_ok() => (b, 1_000_000.0),
            _ => (body, 1.0),
        },
    };
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    let v: f64 = body.parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    Some(if percent {
        (v / 100.0, true)
    } else {
        (v * scale, false)
    })
}

/// Every number in tokens `from..to`, with "12 percent" read as 0.12.
pub fn numbers_in(t: &Tokens, from: usize, to: usize) -> Vec<Number> {
    let to = to.min(t.len());
    let mut out = Vec::new();
    for i in from..to {
        let tok = &t.toks[i];
        if tok.quoted || tok.punct {
            continue;
        }
        // "1" in "one of" or "a" are never numbers; words only when standalone.
        if let Some((value, percent)) = parse_number(&tok.text) {
            let word_pct = matches!(t.word(i + 1), "percent" | "pct" | "per");
            if word_pct && !percent {
                out.push(Number {
                    value: value / 100.0,
                    percent: true,
                    at: i,
                });
            } else {
                out.push(Number {
                    value,
                    percent,
                    at: i,
                });
            }
        }
    }
    out
}

/// Comparison phrases, longest first so "at or above" wins over "above".
const CMP_PHRASES: &[(&str, Cmp)] = &[
    ("greater than or equal to", Cmp::Ge),
    ("less than or equal to", Cmp::Le),
    ("at or above", Cmp::Ge),
    ("at or below", Cmp::Le),
    ("no less than", Cmp::Ge),
    ("not less than", Cmp::Ge),
    ("no more than", Cmp::Le),
    ("not more than", Cmp::Le),
    ("no higher than", Cmp::Le),
    ("no lower than", Cmp::Ge),
    ("at least", Cmp::Ge),
    ("at most", Cmp::Le),
    ("or more", Cmp::Ge),
    ("or higher", Cmp::Ge),
    ("or above", Cmp::Ge),
    ("or less", Cmp::Le),
    ("or lower", Cmp::Le),
    ("or below", Cmp::Le),
    ("greater than", Cmp::Gt),
    ("more than", Cmp::Gt),
    ("higher than", Cmp::Gt),
    ("bigger than", Cmp::Gt),
    ("larger than", Cmp::Gt),
    ("less than", Cmp::Lt),
    ("lower than", Cmp::Lt),
    ("smaller than", Cmp::Lt),
    ("fewer than", Cmp::Lt),
    ("up to", Cmp::Le),
    (">=", Cmp::Ge),
    ("<=", Cmp::Le),
    (">", Cmp::Gt),
    ("<", Cmp::Lt),
    ("minimum", Cmp::Ge),
    ("min", Cmp::Ge),
    ("maximum", Cmp::Le),
    ("max", Cmp::Le),
    ("within", Cmp::Le),
    ("above", Cmp::Gt),
    ("over", Cmp::Gt),
    ("exceeds", Cmp::Gt),
    ("exceed", Cmp::Gt),
    ("exceeding", Cmp::Gt),
    ("beyond", Cmp::Gt),
    ("under", Cmp::Lt),
    ("below", Cmp::Lt),
    ("beneath", Cmp::Lt),
    ("drops", Cmp::Lt),
    ("falls", Cmp::Lt),
    ("rises", Cmp::Gt),
];

/// The first comparison phrase in `from..to`, and where it starts.
pub fn comparison_in(t: &Tokens, from: usize, to: usize) -> Option<(Cmp, usize)> {
    let to = to.min(t.len());
    (from..to).find_map(|i| {
        CMP_PHRASES.iter().find_map(|(p, c)| {
            let n = p.split(' ').count();
            (i + n <= to && t.find_phrase(p, i) == Some(i)).then_some((*c, i))
        })
    })
}

/// A duration in `from..to` in hours: "12 hours", "2 days", "30 min", "48h", "1 week".
/// A bare number counts as hours.
pub fn duration_hours(t: &Tokens, from: usize, to: usize) -> Option<f64> {
    let to = to.min(t.len());
    for i in from..to {
        let w = t.word(i);
        // "48h", "2d", "30min" glued to the number.
        let (digits, glued_unit) = split_unit(w);
        let (value, unit) = if let Some((v, false)) = parse_number(digits) {
            if glued_unit.is_empty() {
                (v, t.word(i + 1).to_string())
            } else {
                (v, glued_unit.to_string())
            }
        } else if w == "a" || w == "an" || w == "one" {
            // "an hour", "a day": only when a unit follows.
            match unit_hours(t.word(i + 1)) {
                Some(_) => (1.0, t.word(i + 1).to_string()),
                None => continue,
            }
        } else {
            continue;
        };
        let factor = unit_hours(&unit).unwrap_or(1.0);
        return Some(value * factor);
    }
    None
}

fn split_unit(w: &str) -> (&str, &str) {
    let cut = w
        .char_indices()
        .find(|(_, c)| c.is_alphabetic())
        .map(|(i, _)| i)
        .unwrap_or(w.len());
    (&w[..cut], &w[cut..])
}

fn unit_hours(unit: &str) -> Option<f64> {
    match unit {
        "h" | "hr" | "hrs" | "hour" | "hours" => Some(1.0),
        "d" | "day" | "days" => Some(24.0),
        "w" | "wk" | "wks" | "week" | "weeks" => Some(168.0),
        "m" | "min" | "mins" | "minute" | "minutes" => Some(1.0 / 60.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_percent_suffixed_and_word_numbers() {
        assert_eq!(parse_number("0.12"), Some((0.12, false)));
        assert_eq!(parse_number(".8"), Some((0.8, false)));
        assert_eq!(parse_number("12%"), Some((0.12, true)));
        assert_eq!(parse_number("350k"), Some((350_000.0, false)));
        assert_eq!(parse_number("six"), Some((6.0, false)));
        assert_eq!(parse_number("-0.5"), Some((-0.5, false)));
        assert_eq!(parse_number("r2"), None);
        assert_eq!(parse_number("lag_1w"), None);
        assert_eq!(parse_number("."), None);
    }

    #[test]
    fn percent_word_divides_by_100() {
        let t = Tokens::new("under 12 percent");
        let n = numbers_in(&t, 0, t.len());
        assert_eq!(n.len(), 1);
        assert!((n[0].value - 0.12).abs() < 1e-12);
        assert!(n[0].percent);
    }

    #[test]
    fn comparisons_prefer_the_longest_phrase() {
        let t = Tokens::new("auc at least 0.8");
        assert_eq!(comparison_in(&t, 0, t.len()), Some((Cmp::Ge, 1)));
        let t = Tokens::new("mape at or below 0.2");
        assert_eq!(comparison_in(&t, 0, t.len()), Some((Cmp::Le, 1)));
        let t = Tokens::new("when mape goes above 0.15");
        assert_eq!(comparison_in(&t, 0, t.len()), Some((Cmp::Gt, 3)));
        let t = Tokens::new("0.8 or more");
        assert_eq!(comparison_in(&t, 0, t.len()), Some((Cmp::Ge, 1)));
    }

    #[test]
    fn durations_convert_to_hours() {
        let h = |s: &str| {
            let t = Tokens::new(s);
            duration_hours(&t, 0, t.len())
        };
        assert_eq!(h("fresher than 12 hours"), Some(12.0));
        assert_eq!(h("older than 2 days"), Some(48.0));
        assert_eq!(h("48h"), Some(48.0));
        assert_eq!(h("30 minutes"), Some(0.5));
        assert_eq!(h("an hour"), Some(1.0));
        assert_eq!(h("1 week"), Some(168.0));
        assert_eq!(h("no number"), None);
    }
}
