//! Who owns a recipe, what it is called, its industry and tags: "rename
//! to NBA Mobile v2", "owner pricing-lab@nex.ai", "industry: retail", "tag
//! it mobile".

use super::draft::{Decline, Draft};
use super::lexicon::{INDUSTRY_NAME_ENDS, INDUSTRY_NAME_WORDS, OWNER_LEAD_INS};
use serde_json::{Value, json};

/// The edit, when the clause sets the name, owner, industry or a tag.
pub fn edit(raw: &str, m: &Value) -> Option<Result<Draft, Decline>> {
    let mut d = Draft::new(m);
    let mut any = false;
    for (field, value) in fields(raw) {
        any = true;
        let done = match field {
            "tags" => add_tag(&mut d, &value),
            "untag" => remove_tag(&mut d, &value),
            _ => set(&mut d, field, &value),
        };
        if let Err(e) = done {
            return Some(Err(e));
        }
    }
    any.then_some(Ok(d))
}

/// (field, value) pairs the clause gives.
fn fields(raw: &str) -> Vec<(&'static str, String)> {
    let lower = raw.to_lowercase();
    let mut out = Vec::new();
    let after = |cues: &[&str]| -> Option<String> {
        cues.iter().find_map(|cue| {
            let at = lower.find(cue)?;
            // A cue is a whole word (or words) at a word start.
            let starts = at == 0 || !lower[..at].ends_with(|c: char| c.is_alphanumeric());
            starts.then(|| {
                raw[at + cue.len()..]
                    .trim_start_matches([' ', ':', '='])
                    .to_string()
            })
        })
    };
    let first_word = |s: &str| {
        s.split_whitespace()
            .next()
            .unwrap_or("")
            .trim_end_matches([',', '.', ';'])
            .to_string()
    };
    let until_and = |s: &str| {
        let lower = s.to_lowercase();
        let end = [" and ", ", ", ";"]
            .iter()
            .filter_map(|sep| lower.find(sep))
            .min()
            .unwrap_or(s.len());
        s[..end].trim().trim_matches(['"', '\'']).to_string()
    };
    if let Some(rest) = after(&["owned by ", "owner is ", "owner: ", "owner "]) {
        // "owner is now x@y", "owner -> x@y": the words that only lead to
        // the owner are not the owner; an email, when one is given, is.
        let words: Vec<&str> = rest
            .split_whitespace()
            .map(|w| w.trim_end_matches([',', '.', ';']))
            .collect();
        let who = words
            .iter()
            .find(|w| w.contains('@'))
            .or_else(|| {
                words
                    .iter()
                    .find(|w| !OWNER_LEAD_INS.contains(&w.to_lowercase().as_str()))
            })
            .map(|w| w.to_string())
            .unwrap_or_default();
        if !who.is_empty() {
            out.push(("owner", who));
        }
    }
    if let Some(rest) = after(&["industry is ", "industry: ", "industry:", "industry "]) {
        let what = industry_named(&rest);
        if !what.is_empty() {
            out.push(("industry", what));
        }
    }
    if let Some(rest) = after(&[
        "rename it to ",
        "rename to ",
        "rename it ",
        "rename the recipe to ",
        "rename this recipe to ",
        "rename the model to ",
        "rename ",
    ]) {
        let name = until_and(&rest);
        // "rename the production database to x" renames something else.
        let lower = name.to_lowercase();
        if lower.starts_with("the ") || lower.contains(" to ") {
            return out;
        }
        if !name.is_empty() {
            out.push(("name", name));
        }
    }
    if let Some(rest) = after(&[
        "add tags ",
        "add the tags ",
        "tag it with ",
        "tag it ",
        "add the tag ",
        "add tag ",
    ]) {
        // "add tags a and b", "tag it a, b".
        for tag in rest
            .split([',', ' '])
            .map(str::trim)
            .filter(|w| !w.is_empty() && *w != "and")
        {
            out.push(("tags", tag.to_string()));
        }
    }
    // "remove the lightgbm tag", "untag nightly", "drop tag x".
    let untagged = after(&[
        "untag ",
        "remove tag ",
        "remove the tag ",
        "drop tag ",
        "drop the tag ",
    ])
    .map(|rest| first_word(&rest))
    .or_else(|| {
        let words: Vec<&str> = lower.split_whitespace().collect();
        let [verb, rest @ ..] = words.as_slice() else {
            return None;
        };
        let [.., tag, "tag"] = rest else { return None };
        matches!(*verb, "remove" | "drop" | "delete").then(|| tag.to_string())
    });
    if let Some(tag) = untagged.filter(|t| !t.is_empty()) {
        out.push(("untag", tag));
    }
    if let Some(rest) = after(&[
        "set the description to ",
        "set description to ",
        "description to:",
        "description to ",
        "description: ",
        "describe it as ",
    ]) {
        let text = rest
            .trim()
            .trim_matches(['"', '\'', '`'])
            .trim()
            .to_string();
        if !text.is_empty() {
            out.push(("description", text));
        }
    }
    out
}

fn set(d: &mut Draft, field: &'static str, value: &str) -> Result<(), Decline> {
    if field == "owner" && !value.contains('@') && value.len() < 2 {
        return Err(Decline::new("Who should own it? Give a name or an email."));
    }
    let old = d
        .get(&["metadata", field])
        .and_then(Value::as_str)
        .unwrap_or("none")
        .to_string();
    if d.set(&["metadata", field], json!(value))? {
        d.line(format!("{field}: {old} -> {value}"));
    } else {
        d.same(format!("the {field} is already {value}"));
    }
    Ok(())
}

/// The recipe's tags as the draft has them now.
fn tags_of(d: &Draft) -> Vec<String> {
    d.get(&["metadata", "tags"])
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn remove_tag(d: &mut Draft, tag: &str) -> Result<(), Decline> {
    let tags = tags_of(d);
    let Some(at) = tags.iter().position(|t| t.eq_ignore_ascii_case(tag)) else {
        return Err(Decline::new(format!(
            "It has no tag '{tag}'. Tags: {}.",
            if tags.is_empty() {
                "none".to_string()
            } else {
                tags.join(", ")
            }
        )));
    };
    d.remove(&["metadata", "tags", &at.to_string()])?;
    d.line(format!("remove tag: {}", tags[at]));
    Ok(())
}

fn add_tag(d: &mut Draft, tag: &str) -> Result<(), Decline> {
    let tags = tags_of(d);
    if tags.iter().any(|t| t == tag) {
        d.same(format!("it is already tagged {tag}"));
        return Ok(());
    }
    d.push(&["metadata", "tags"], json!(tag))?;
    d.line(format!("tag: {tag}"));
    Ok(())
}

/// "to qsr", "-> grocery", "fuel retail, grain ...": the industry after
/// its lead-in words, to the clause's end (a stop word, punctuation, or
/// its third word).
fn industry_named(rest: &str) -> String {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let lead = words
        .iter()
        .take_while(|w| OWNER_LEAD_INS.contains(&w.to_lowercase().as_str()))
        .count();
    let mut named: Vec<&str> = Vec::new();
    for word in &words[lead..] {
        let bare = word.trim_end_matches(['.', ',', ';', ':']);
        let lower = bare.to_lowercase();
        if bare.is_empty()
            || INDUSTRY_NAME_ENDS.contains(&lower.as_str())
            || !bare
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '&' | '_'))
        {
            break;
        }
        named.push(bare);
        if bare.len() < word.len() || named.len() == INDUSTRY_NAME_WORDS {
            break;
        }
    }
    named.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_owner_industry_and_tags_are_read() {
        let m = json!({"metadata": {"name": "NBA", "owner": "ml@nex.ai", "industry": "general", "tags": ["baseline"]}});
        let d = |raw: &str| {
            edit(raw, &m)
                .expect("a metadata edit")
                .expect("no refusal")
                .doc
        };
        assert_eq!(
            d("rename to NBA Mobile v2")["metadata"]["name"],
            "NBA Mobile v2"
        );
        assert_eq!(
            d("tag it mobile")["metadata"]["tags"],
            json!(["baseline", "mobile"])
        );
        assert_eq!(
            d("owner pricing-lab@nex.ai")["metadata"]["owner"],
            "pricing-lab@nex.ai"
        );
        assert_eq!(d("industry: retail")["metadata"]["industry"], "retail");
        assert!(edit("set mape to 0.3", &m).is_none());
        assert!(edit("the owners of the stores", &m).is_none());
    }

    #[test]
    fn the_owner_is_what_follows_the_lead_in_and_only_the_recipe_is_renamed() {
        let m = json!({"metadata": {"name": "NBA", "owner": "ml@nex.ai"}});
        let owner = |raw: &str| match edit(raw, &m) {
            Some(Ok(d)) => d.doc["metadata"]["owner"].clone(),
            _ => Value::Null,
        };
        assert_eq!(owner("owner is now growth@nex.ai"), "growth@nex.ai");
        assert_eq!(owner("owner -> growth@nex.ai"), "growth@nex.ai");
        assert_eq!(owner("owner should be dana"), "dana");
        let renamed = |raw: &str| edit(raw, &m).and_then(Result::ok).map(|d| d.doc);
        assert!(renamed("rename the staging bucket to ml_v2").is_none());
        let m = json!({"metadata": {"name": "N", "tags": ["a", "lightgbm"], "description": "old"}});
        let doc = |raw: &str| {
            edit(raw, &m)
                .and_then(Result::ok)
                .map(|d| d.doc["metadata"].clone())
        };
        assert_eq!(
            doc("remove the lightgbm tag").expect("untagged")["tags"],
            json!(["a"])
        );
        assert_eq!(
            doc("add tags x-v2 and nightly").expect("tagged")["tags"],
            json!(["a", "lightgbm", "x-v2", "nightly"])
        );
        assert_eq!(
            doc("set description to 'New words.'").expect("described")["description"],
            "New words."
        );
        assert!(matches!(edit("remove the nope tag", &m), Some(Err(_))));
        assert_eq!(
            renamed("rename the recipe to NBA Web").expect("a rename")["metadata"]["name"],
            "NBA Web"
        );
    }
}
