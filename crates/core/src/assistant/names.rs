//! Finding the manifest's own names in a request, however they are typed:
//! `unit_cost` as is, "foot traffic" for `foot_traffic_weekly_visits`,
//! "channels" for `channel`, "num_leavs" for `num_leaves`. Grounding in
//! what exists is what lets "stop tracking unit_cost drift" name a column
//! without knowing where in the sentence a column goes.

use super::lexicon::NAME_FILLER_WORDS;
use super::text::edit_distance;

/// The names of `names` that `request` mentions, in the order they appear.
pub fn mentioned(request: &str, names: &[String]) -> Vec<String> {
    let words = words(request);
    let mut found: Vec<(usize, String)> = Vec::new();
    for name in names {
        if let Some(at) = position(&words, name, names)
            && !found.iter().any(|(_, n)| n == name)
        {
            found.push((at, name.clone()));
        }
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, n)| n).collect()
}

/// The request's words, lowercased; identifiers keep their underscores.
/// The one name that the words typed make up, in the user's own words:
/// each word begins one of its parts or spells it with one slip ("circular
/// flag" is `is_in_circular`, "foot_trafic" is `foot_traffic_weekly_visits`).
/// None when no name, or more than one, fits; or when the words are too
/// few to be sure (one short word).
pub fn named_by_words(typed: &str, names: &[String]) -> Option<String> {
    let words: Vec<&str> = typed
        .split(['_', ' '])
        .filter(|w| !w.is_empty() && !NAME_FILLER_WORDS.contains(w))
        .collect();
    let enough = words.len() >= 2 || words.iter().any(|w| w.len() >= 6);
    if !enough {
        return None;
    }
    let fits = |name: &str| {
        let parts: Vec<&str> = name.split('_').collect();
        words.iter().all(|w| parts.iter().any(|p| part_fits(w, p)))
    };
    let hits: Vec<&String> = names.iter().filter(|n| fits(n)).collect();
    match hits[..] {
        [one] if one != typed => Some(one.clone()),
        _ => None,
    }
}

/// A typed word for a part of a name: the part, its beginning, or the part
/// with one slip.
fn part_fits(word: &str, part: &str) -> bool {
    word == part
        || (word.len() >= 3 && part.starts_with(word))
        || (word.len() >= 5 && edit_distance(word, part) <= 1)
}

pub fn words(request: &str) -> Vec<String> {
    request
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Where `name` is mentioned in `words`, if it is.
fn position(words: &[String], name: &str, all: &[String]) -> Option<usize> {
    let name = name.to_lowercase();
    let parts: Vec<&str> = name.split('_').filter(|p| !p.is_empty()).collect();
    // Typed as it is, or in the plural.
    if let Some(at) = words
        .iter()
        .position(|w| *w == name || w.strip_suffix('s') == Some(name.as_str()))
    {
        return Some(at);
    }
    // Typed in words: all of them ("learning rate"), or the first two or
    // more when no other name starts that way ("foot traffic").
    for k in (2..=parts.len()).rev() {
        let prefix = &parts[..k];
        let unique = k == parts.len()
            || all
                .iter()
                .filter(|other| {
                    other
                        .to_lowercase()
                        .split('_')
                        .take(k)
                        .eq(prefix.iter().copied())
                })
                .count()
                == 1;
        if !unique {
            continue;
        }
        if let Some(at) = words
            .windows(k)
            .position(|w| w.iter().map(String::as_str).eq(prefix.iter().copied()))
        {
            return Some(at);
        }
    }
    // Misspelt: one edit in a short name, two in a long one, and no other
    // name as close.
    let allowed = if name.len() >= 10 { 2 } else { 1 };
    if name.len() < 5 {
        return None;
    }
    words.iter().position(|w| {
        w.len() >= 4
            && edit_distance(w, &name) <= allowed
            && all
                .iter()
                .filter(|o| o.to_lowercase() != name)
                .all(|o| edit_distance(w, &o.to_lowercase()) > edit_distance(w, &name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_said_in_words_is_the_one_name_they_make_up() {
        let names: Vec<String> = [
            "is_in_circular",
            "is_corner_lot",
            "foot_traffic_weekly_visits",
            "population_1km",
            "population_5km",
        ]
        .iter()
        .map(|n| n.to_string())
        .collect();
        let named = |typed: &str| named_by_words(typed, &names);
        assert_eq!(named("circular_flag").as_deref(), Some("is_in_circular"));
        assert_eq!(named("corner lot").as_deref(), Some("is_corner_lot"));
        assert_eq!(
            named("foot_trafic").as_deref(),
            Some("foot_traffic_weekly_visits")
        );
        // Two fit: which is not for a guess to say.
        assert_eq!(named("population"), None);
        // Too little to be sure, or nothing fits.
        assert_eq!(named("lot"), None);
        assert_eq!(named("median_age"), None);
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_are_found_as_typed_in_words_plural_or_misspelt() {
        let cols = names(&[
            "population_5km",
            "traffic_count_aadt",
            "foot_traffic_weekly_visits",
            "channel",
            "unit_cost",
            "num_leaves",
            "learning_rate",
        ]);
        let cases: &[(&str, &[&str])] = &[
            ("stop tracking unit_cost drift", &["unit_cost"]),
            (
                "stop monitoring foot traffic drift",
                &["foot_traffic_weekly_visits"],
            ),
            ("stop watching channels for drift", &["channel"]),
            ("set num_leavs to 255", &["num_leaves"]),
            ("lern rate 0.03", &[]),
            (
                "learning rate 0.03 and num_leaves 63",
                &["learning_rate", "num_leaves"],
            ),
            ("traffic is fine", &[]),
            ("drop the unit costs", &[]),
        ];
        for (request, want) in cases {
            assert_eq!(mentioned(request, &cols), names(want), "{request}");
        }
    }
}
