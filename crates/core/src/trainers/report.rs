//! The lines a stage writes, in the forms the app parses:
//! `nexml:param k=v`, `nexml:metric k=x [step=n]`, `nexml:tag k=v`, and plain
//! human lines. Numbers are printed to 6 significant digits so the output is
//! short, stable and byte-identical for a seed.

use super::stage::TrainerError;
use std::fmt::Display;
use std::io::Write;

pub struct Report<'a> {
    out: &'a mut dyn Write,
}

/// Keys and values must not break the line format: no whitespace in keys or
/// values (the app splits on the first space), no `=` in keys.
fn clean(text: &str, is_key: bool) -> String {
    text.chars()
        .map(|c| {
            if c.is_whitespace() || (is_key && c == '=') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

impl<'a> Report<'a> {
    pub fn new(out: &'a mut dyn Write) -> Report<'a> {
        Report { out }
    }

    fn write(&mut self, text: &str) -> Result<(), TrainerError> {
        writeln!(self.out, "{text}").map_err(TrainerError::Write)
    }

    /// A human line; one line, and never mistaken for a `nexml:` line.
    pub fn line(&mut self, text: impl Display) -> Result<(), TrainerError> {
        let text = text.to_string().replace(['\n', '\r'], " ");
        if text.starts_with("nexml:") {
            self.write(&format!(" {text}"))
        } else {
            self.write(&text)
        }
    }

    /// A `nexml:<kind> key=value` line (a param or a tag).
    fn pair(&mut self, kind: &str, key: &str, value: impl Display) -> Result<(), TrainerError> {
        let line = format!(
            "nexml:{kind} {}={}",
            clean(key, true),
            clean(&value.to_string(), false)
        );
        self.write(&line)
    }

    pub fn param(&mut self, key: &str, value: impl Display) -> Result<(), TrainerError> {
        self.pair("param", key, value)
    }

    /// A number as a parameter value, in the metric lines' format.
    pub fn param_num(&mut self, key: &str, value: f64) -> Result<(), TrainerError> {
        self.param(key, number(value))
    }

    pub fn tag(&mut self, key: &str, value: impl Display) -> Result<(), TrainerError> {
        self.pair("tag", key, value)
    }

    /// A metric at a step (an epoch, a search step, a fold), or its final
    /// value when `step` is None. A value that is not finite cannot be
    /// parsed as a number: it is said in a human line instead.
    pub fn metric(
        &mut self,
        key: &str,
        value: f64,
        step: Option<usize>,
    ) -> Result<(), TrainerError> {
        let key = clean(key, true);
        if !value.is_finite() {
            return self.line(format!(
                "metric {key} is not a finite number ({value}); not reported"
            ));
        }
        let line = match step {
            Some(step) => format!("nexml:metric {key}={} step={step}", number(value)),
            None => format!("nexml:metric {key}={}", number(value)),
        };
        self.write(&line)
    }
}

/// A finite number to 6 significant digits without an exponent and without
/// trailing zeros: `0.123457`, `253412`, `5`, `-0.0012`.
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs().log10().floor() as i64;
    let decimals = (5 - magnitude).clamp(0, 15) as usize;
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" { "0".to_string() } else { text }
}

/// A count with thousands separators: 5,200.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A share as a percentage with one decimal: 12.5%.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", 100.0 * share)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_exact_enough() {
        assert_eq!(number(0.123456789), "0.123457");
        assert_eq!(number(253412.123), "253412");
        assert_eq!(number(5.0), "5");
        assert_eq!(number(-0.00123), "-0.00123");
        assert_eq!(number(1.0e-9), "0.000000001");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(-0.0000000000000001), "0");
        assert_eq!(count(5200), "5,200");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn lines_keep_their_form() {
        let mut buf = Vec::new();
        let mut r = Report::new(&mut buf);
        r.param("a b", "x y").unwrap();
        r.metric("loss", 0.5, Some(3)).unwrap();
        r.metric("loss", f64::NAN, None).unwrap();
        r.line("nexml:tag fake=1").unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(
            text,
            "nexml:param a_b=x_y\nnexml:metric loss=0.5 step=3\nmetric loss is not a finite number (NaN); not reported\n nexml:tag fake=1\n"
        );
    }
}
