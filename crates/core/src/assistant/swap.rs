//! "calibrate with sigmoid instead of isotonic", "use ks rather than psi":
//! the text setting whose value now is the one replaced gets the new one.
//! Only a setting that holds that exact value is changed, so the old value
//! grounds the request in the manifest.

use super::draft::{Decline, Draft};
use super::lexicon::JOINING_WORDS;
use super::text::Tokens;
use serde_json::{Value, json};

pub fn edit(t: &Tokens, m: &Value) -> Option<Result<Draft, Decline>> {
    let (at, len) = t.find_any(&["instead of", "rather than"], 0)?;
    let old = t.toks.get(at + len).filter(|x| !x.punct)?;
    let mut holding = Vec::new();
    texts_equal_to(m, &old.text, &mut Vec::new(), &mut holding);
    match holding.as_slice() {
        [] => None,
        [path] => {
            // The new value: the nearest word before "instead" that is
            // neither a word of the setting's path ("drift" in "use psi for
            // drift instead of ks") nor a joining word.
            let path_words: Vec<String> = path
                .iter()
                .flat_map(|p| p.split('_').map(str::to_string).collect::<Vec<_>>())
                .collect();
            let new = t.toks[..at].iter().rev().find(|x| {
                !x.punct
                    && !path_words.iter().any(|w| super::text::stem(w) == x.stem)
                    && !JOINING_WORDS.contains(&x.text.as_str())
            })?;
            let mut d = Draft::new(m);
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            Some(d.set(&keys, json!(new.orig)).map(|_| {
                d.line(format!("{}: {} -> {}", path.join("."), old.orig, new.orig));
                d
            }))
        }
        several => Some(Err(Decline::new(format!(
            "'{}' is the value of more than one setting: {}. Which should change?",
            old.orig,
            several
                .iter()
                .map(|p| p.join("."))
                .collect::<Vec<_>>()
                .join(", ")
        )))),
    }
}

/// Paths of the text values equal to `wanted` (in objects, including those
/// inside lists, such as a stage's config; never a list's own items).
fn texts_equal_to(v: &Value, wanted: &str, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let Value::Object(map) = v else { return };
    for (key, child) in map {
        path.push(key.clone());
        match child {
            Value::String(s) if s.eq_ignore_ascii_case(wanted) => out.push(path.clone()),
            Value::Object(_) => texts_equal_to(child, wanted, path, out),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    texts_equal_to(item, wanted, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_holding_the_old_value_gets_the_new_one() {
        let m = json!({"pipeline": {"stages": [{"config": {"calibration": {"method": "isotonic"}}}]},
                       "monitoring": {"drift": {"method": "psi"}}});
        let after = |r: &str| {
            edit(&Tokens::new(r), &m)
                .expect("a swap")
                .expect("no refusal")
                .doc
        };
        assert_eq!(
            after("calibrate with sigmoid instead of isotonic")
                .pointer("/pipeline/stages/0/config/calibration/method"),
            Some(&json!("sigmoid"))
        );
        assert_eq!(
            after("use ks rather than psi")["monitoring"]["drift"]["method"],
            "ks"
        );
        // Nothing holds "gini": not this edit.
        assert!(edit(&Tokens::new("use auc instead of gini"), &m).is_none());
    }
}
