//! A manifest file that knows which version it was edited from: `recipe
//! version --manifest` writes the version into the file as a top-level
//! `"$base"` key (as `kubectl get` leaves `resourceVersion` in the object it
//! prints), and `recipe commit` takes it out again, so a save from an older
//! version is merged with the versions saved since instead of reverting them.

use serde_json::{Map, Value};

/// The key that names the version a file was edited from.
pub const KEY: &str = "$base";

/// The manifest with `"$base": version` as its first key.
pub fn with_base(manifest: &Value, version: &str) -> Value {
    let Value::Object(fields) = manifest else {
        return manifest.clone();
    };
    let mut out = Map::new();
    out.insert(KEY.into(), Value::String(version.to_string()));
    out.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
    Value::Object(out)
}

/// The manifest without its `"$base"`, and the version it named.
pub fn take_base(mut manifest: Value) -> Result<(Value, Option<String>), String> {
    let Some(fields) = manifest.as_object_mut() else {
        return Ok((manifest, None));
    };
    let base = match fields.shift_remove(KEY) {
        None => None,
        Some(Value::String(v)) if semver::Version::parse(&v).is_ok() => Some(v),
        Some(other) => {
            return Err(format!(
                "\"{KEY}\" must name a version such as \"1.2.0\", not {other}"
            ));
        }
    };
    Ok((manifest, base))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_base_written_is_taken_back_and_the_manifest_is_unchanged() {
        let m = json!({"metadata": {"name": "x"}, "pipeline": {}});
        let file = with_base(&m, "1.2.0");
        assert_eq!(file.as_object().unwrap().keys().next().unwrap(), KEY);
        let (back, base) = take_base(file).unwrap();
        assert_eq!(back, m);
        assert_eq!(base.as_deref(), Some("1.2.0"));
    }

    #[test]
    fn a_file_without_a_base_has_none_and_a_bad_one_is_refused() {
        assert_eq!(take_base(json!({"a": 1})).unwrap().1, None);
        let e = take_base(json!({"$base": 3})).unwrap_err();
        assert!(e.contains("\"$base\""), "{e}");
        assert!(take_base(json!({"$base": "latest"})).is_err());
    }
}
