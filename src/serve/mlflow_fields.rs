//! A request's fields read the way MLflow's server reads its protobuf JSON:
//! a value of the wrong type, or a required one missing, is a 400
//! `INVALID_PARAMETER_VALUE` worded as MLflow words it, so a client (and
//! MLflow's own tests) sees the same refusal from `nexml serve`.

use super::http::{ApiError, Request};
use serde_json::Value;

/// The largest page `runs/search` and `experiments/search` give, as MLflow.
pub const MAX_RESULTS: i64 = 50_000;

/// The fields of one request: its query string (GET) and JSON body.
pub struct Fields<'a> {
    query: Option<&'a Request>,
    body: &'a Value,
    /// Where the fields sit in the request, for messages ("metrics[0].").
    prefix: String,
}

impl<'a> Fields<'a> {
    pub fn of(req: &'a Request, body: &'a Value) -> Fields<'a> {
        Fields {
            query: Some(req),
            body,
            prefix: String::new(),
        }
    }

    /// The fields of an item of a list (`metrics[3]`), for its messages.
    pub fn item(body: &'a Value, list: &str, index: usize) -> Fields<'a> {
        Fields {
            query: None,
            body,
            prefix: format!("{list}[{index}]."),
        }
    }

    /// A field as sent: a query string value is text; null is absent.
    fn raw(&self, name: &str) -> Option<Value> {
        if let Some(text) = self.query.and_then(|r| r.query.get(name)) {
            return Some(Value::String(text.clone()));
        }
        self.body.get(name).filter(|v| !v.is_null()).cloned()
    }

    fn invalid(&self, name: &str, value: &Value) -> ApiError {
        ApiError::bad_request(format!(
            "Invalid value {value} for parameter '{}{name}' supplied",
            self.prefix
        ))
    }

    fn missing(&self, name: &str) -> ApiError {
        ApiError::bad_request(format!(
            "Missing value for required parameter '{}{name}'.",
            self.prefix
        ))
    }

    pub fn string(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.invalid(name, &other)),
        }
    }

    pub fn required_string(&self, name: &str) -> Result<String, ApiError> {
        self.string(name)?.ok_or_else(|| self.missing(name))
    }

    /// The first of several names a field goes by (`run_id`, `run_uuid`).
    pub fn required_string_of(&self, names: &[&str]) -> Result<String, ApiError> {
        for name in names {
            if let Some(s) = self.string(name)? {
                return Ok(s);
            }
        }
        Err(self.missing(names.first().copied().unwrap_or_default()))
    }

    /// A boolean, as JSON's `true`/`false` or a query's "true"/"false".
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(other) => Err(self.invalid(name, &other)),
        }
    }

    /// An int64, sent as a JSON number or as text (protobuf's JSON form).
    pub fn int64(&self, name: &str) -> Result<Option<i64>, ApiError> {
        let Some(raw) = self.raw(name) else {
            return Ok(None);
        };
        let parsed = match &raw {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        parsed.map(Some).ok_or_else(|| self.invalid(name, &raw))
    }

    pub fn required_int64(&self, name: &str) -> Result<i64, ApiError> {
        self.int64(name)?.ok_or_else(|| self.missing(name))
    }

    /// A double: a JSON number, or text, including protobuf's "NaN",
    /// "Infinity" and "-Infinity".
    pub fn double(&self, name: &str) -> Result<Option<f64>, ApiError> {
        let Some(raw) = self.raw(name) else {
            return Ok(None);
        };
        let parsed = match &raw {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => parse_double(s),
            _ => None,
        };
        parsed.map(Some).ok_or_else(|| self.invalid(name, &raw))
    }

    pub fn required_double(&self, name: &str) -> Result<f64, ApiError> {
        self.double(name)?.ok_or_else(|| self.missing(name))
    }

    /// A repeated field: absent is empty; anything but a list is refused.
    pub fn list(&self, name: &str) -> Result<Vec<Value>, ApiError> {
        match self.body.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(other) => Err(self.invalid(name, other)),
        }
    }

    /// `max_results`: `default` when absent; above `most` is refused, as
    /// MLflow refuses it, rather than quietly cut.
    pub fn max_results(&self, default: i64, most: i64) -> Result<i64, ApiError> {
        let Some(n) = self.int64("max_results")? else {
            return Ok(default);
        };
        if !(1..=most).contains(&n) {
            return Err(ApiError::bad_request(format!(
                "Invalid value {n} for parameter 'max_results' supplied. It must be at most {most} and at least 1"
            )));
        }
        Ok(n)
    }
}

/// Text as a double, with protobuf's spellings of the special values.
fn parse_double(text: &str) -> Option<f64> {
    match text.trim() {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        other => other.parse().ok(),
    }
}

pub fn key_value(f: &Fields<'_>) -> Result<(String, String), ApiError> {
    Ok((f.required_string("key")?, f.required_string("value")?))
}

/// A list of `{key, value}` (a batch's params or tags, a run's tags).
pub fn pairs(f: &Fields<'_>, list: &str) -> Result<Vec<(String, String)>, ApiError> {
    f.list(list)?
        .iter()
        .enumerate()
        .map(|(i, item)| key_value(&Fields::item(item, list, i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body_only(body: &Value) -> Fields<'_> {
        Fields {
            query: None,
            body,
            prefix: String::new(),
        }
    }

    #[test]
    fn a_number_where_text_is_expected_is_refused_with_mlflows_words() {
        let body = json!({"run_id": 31, "key": null});
        let f = body_only(&body);
        let e = f.required_string("run_id").unwrap_err();
        assert_eq!(e.code, "INVALID_PARAMETER_VALUE");
        assert_eq!(
            e.message,
            "Invalid value 31 for parameter 'run_id' supplied"
        );
        let e = f.required_string("key").unwrap_err();
        assert_eq!(e.message, "Missing value for required parameter 'key'.");
    }

    #[test]
    fn int64_takes_numbers_and_numeric_text_only() {
        let body = json!({"a": 5, "b": "6", "c": "foo", "d": 1.5});
        let f = body_only(&body);
        assert_eq!(f.int64("a").unwrap(), Some(5));
        assert_eq!(f.int64("b").unwrap(), Some(6));
        assert_eq!(
            f.int64("c").unwrap_err().message,
            "Invalid value \"foo\" for parameter 'c' supplied"
        );
        assert!(f.int64("d").is_err());
        assert_eq!(f.int64("absent").unwrap(), None);
    }

    #[test]
    fn doubles_take_protobufs_special_values() {
        let body = json!({"n": "NaN", "p": "Infinity", "m": "-Infinity", "x": "foo"});
        let f = body_only(&body);
        assert!(f.double("n").unwrap().unwrap().is_nan());
        assert_eq!(f.double("p").unwrap(), Some(f64::INFINITY));
        assert_eq!(f.double("m").unwrap(), Some(f64::NEG_INFINITY));
        assert!(f.double("x").is_err());
    }

    #[test]
    fn an_items_messages_say_where_it_is() {
        let metric = json!({"key": "mae", "value": 2.5});
        let f = Fields::item(&metric, "metrics", 0);
        assert_eq!(
            f.required_int64("timestamp").unwrap_err().message,
            "Missing value for required parameter 'metrics[0].timestamp'."
        );
    }

    #[test]
    fn a_list_must_be_a_list_and_max_results_is_bounded() {
        let body = json!({"metrics": "foo", "max_results": 123456789});
        let f = body_only(&body);
        assert_eq!(
            f.list("metrics").unwrap_err().message,
            "Invalid value \"foo\" for parameter 'metrics' supplied"
        );
        assert!(
            f.max_results(1000, MAX_RESULTS)
                .unwrap_err()
                .message
                .starts_with("Invalid value 123456789 for parameter 'max_results' supplied")
        );
    }
}
