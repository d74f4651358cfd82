//! Semantic version numbers of recipe versions and the rule that picks a bump.

use super::kinds::Bump;
use semver::Version;
use serde_json::Value;
use std::str::FromStr;

/// The version a recipe's first version gets.
pub fn first_version() -> Version {
    Version::new(1, 0, 0)
}

/// What the user asked for with `--bump`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BumpChoice {
    #[default]
    Auto,
    Patch,
    Minor,
    Major,
}

impl FromStr for BumpChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(BumpChoice::Auto),
            "patch" => Ok(BumpChoice::Patch),
            "minor" => Ok(BumpChoice::Minor),
            "major" => Ok(BumpChoice::Major),
            other => Err(format!(
                "unknown bump '{other}' (expected one of: auto, patch, minor, major)"
            )),
        }
    }
}

impl BumpChoice {
    /// The bump to apply going from `previous` to `next`.
    pub fn resolve(self, previous: &Value, next: &Value) -> Bump {
        match self {
            BumpChoice::Auto => auto_bump(previous, next),
            BumpChoice::Patch => Bump::Patch,
            BumpChoice::Minor => Bump::Minor,
            BumpChoice::Major => Bump::Major,
        }
    }
}

/// Major when a key is removed or a value changes type, minor when a key is
/// added, patch otherwise. Array positions count as keys.
pub fn auto_bump(previous: &Value, next: &Value) -> Bump {
    let mut found = Bump::Patch;
    walk(previous, next, &mut found);
    found
}

fn walk(a: &Value, b: &Value, found: &mut Bump) {
    if *found == Bump::Major {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            if x.keys().any(|k| !y.contains_key(k)) {
                *found = Bump::Major;
                return;
            }
            if y.keys().any(|k| !x.contains_key(k)) {
                *found = Bump::Minor;
            }
            for (k, va) in x {
                if let Some(vb) = y.get(k) {
                    walk(va, vb, found);
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if y.len() < x.len() {
                *found = Bump::Major;
                return;
            }
            if y.len() > x.len() {
                *found = Bump::Minor;
            }
            for (va, vb) in x.iter().zip(y) {
                walk(va, vb, found);
            }
        }
        _ if kind(a) != kind(b) => *found = Bump::Major,
        _ => {}
    }
}

fn kind(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// The version after `current` for `bump`.
pub fn bumped(current: &Version, bump: Bump) -> Version {
    match bump {
        Bump::Initial => first_version(),
        Bump::Patch => Version::new(current.major, current.minor, current.patch + 1),
        Bump::Minor => Version::new(current.major, current.minor + 1, 0),
        Bump::Major => Version::new(current.major + 1, 0, 0),
    }
}

/// Parses a version number a user typed, accepting a leading `v`.
pub fn parse_version(text: &str) -> Result<Version, String> {
    let t = text.trim();
    let t = t.strip_prefix('v').unwrap_or(t);
    Version::parse(t).map_err(|e| format!("'{text}' is not a semver version number: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn auto_bump_follows_the_rule() {
        let a = json!({"a": 1, "b": {"c": "x"}, "l": [1, 2]});
        assert_eq!(
            auto_bump(&a, &json!({"a": 2, "b": {"c": "y"}, "l": [1, 3]})),
            Bump::Patch
        );
        assert_eq!(
            auto_bump(&a, &json!({"a": 1, "b": {"c": "x", "d": 1}, "l": [1, 2]})),
            Bump::Minor
        );
        assert_eq!(
            auto_bump(&a, &json!({"a": 1, "b": {}, "l": [1, 2]})),
            Bump::Major
        );
        assert_eq!(
            auto_bump(&a, &json!({"a": "1", "b": {"c": "x"}, "l": [1, 2]})),
            Bump::Major
        );
        assert_eq!(
            auto_bump(&a, &json!({"a": 1, "b": {"c": "x"}, "l": [1, 2, 3]})),
            Bump::Minor
        );
        assert_eq!(
            auto_bump(&a, &json!({"a": 1, "b": {"c": "x"}, "l": [1]})),
            Bump::Major
        );
        // A removal anywhere outranks an addition elsewhere.
        assert_eq!(
            auto_bump(&a, &json!({"a": 1, "z": 0, "b": {}, "l": [1, 2]})),
            Bump::Major
        );
    }

    #[test]
    fn bumps_reset_lower_parts() {
        let v = Version::new(1, 2, 3);
        assert_eq!(bumped(&v, Bump::Patch).to_string(), "1.2.4");
        assert_eq!(bumped(&v, Bump::Minor).to_string(), "1.3.0");
        assert_eq!(bumped(&v, Bump::Major).to_string(), "2.0.0");
    }

    #[test]
    fn explicit_choice_overrides_auto() {
        let a = json!({"a": 1});
        assert_eq!(BumpChoice::Major.resolve(&a, &a), Bump::Major);
        assert_eq!("minor".parse::<BumpChoice>().unwrap(), BumpChoice::Minor);
        assert!("huge".parse::<BumpChoice>().is_err());
        assert_eq!(parse_version("v1.2.0").unwrap(), Version::new(1, 2, 0));
        assert!(parse_version("1.2").is_err());
    }
}
