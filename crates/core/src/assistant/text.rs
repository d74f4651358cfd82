//! Tokenising free text: lowercase words with their stems, quoted names kept
//! whole, numbers kept intact, and the helpers the parsers share.

/// One word, number, symbol or quoted name of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Lowercased text ("holiday_flag", "12%", ">=", ",").
    pub text: String,
    /// `text` with a plural `s` removed, for matching "features" to "feature".
    pub stem: String,
    /// The text as typed (case kept), used for names the user gives.
    pub orig: String,
    /// Came from inside quotes: always a name, never a keyword.
    pub quoted: bool,
    /// A clause separator (`,` `;` `.` `:`), kept so phrases can be cut at it.
    pub punct: bool,
}

/// A tokenised request.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub toks: Vec<Token>,
    /// The request as typed, for raw cron strings.
    pub raw: String,
    /// The request ends with a question mark.
    pub asks: bool,
}

/// Removes a plural ending so "features", "alerts", "promotions" match their singular.
pub fn stem(word: &str) -> String {
    let n = word.chars().count();
    if n > 4 && word.ends_with("ies") {
        format!("{}y", &word[..word.len() - 3])
    } else if n > 3 && word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        word[..word.len() - 1].to_string()
    } else {
        word.to_string()
    }
}

fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '`' | '\u{201c}' | '\u{201d}' | '\u{2018}' | '\u{2019}'
    )
}

fn closing_quote(open: char) -> &'static [char] {
    match open {
        '\u{201c}' | '\u{201d}' => &['\u{201d}', '\u{201c}', '"'],
        '\u{2018}' | '\u{2019}' => &['\u{2019}', '\u{2018}', '\''],
        '"' => &['"', '\u{201d}'],
        '\'' => &['\'', '\u{2019}'],
        _ => &['`'],
    }
}

impl Tokens {
    pub fn new(raw: &str) -> Tokens {
        let chars: Vec<char> = raw.chars().collect();
        let mut toks = Vec::new();
        let mut word = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let prev = if i > 0 { chars[i - 1] } else { ' ' };
            let next = chars.get(i + 1).copied().unwrap_or(' ');
            // A quote opens a name only at a word start and when it is closed
            // before a word end; apostrophes inside words ("what's") are dropped.
            if is_quote(c) && !prev.is_alphanumeric() {
                let close = closing_quote(c);
                let end = (i + 1..chars.len()).find(|&j| {
                    close.contains(&chars[j])
                        && !chars.get(j + 1).copied().unwrap_or(' ').is_alphanumeric()
                });
                if let Some(end) = end {
                    flush(&mut word, &mut toks);
                    let inner: String = chars[i + 1..end].iter().collect();
                    let inner = inner.trim().to_string();
                    if !inner.is_empty() {
                        let text = inner.to_lowercase();
                        toks.push(Token {
                            stem: text.clone(),
                            text,
                            orig: inner,
                            quoted: true,
                            punct: false,
                        });
                    }
                    i = end + 1;
                    continue;
                }
            }
            if is_quote(c) {
                // Apostrophe inside a word, or an unmatched quote.
                i += 1;
                continue;
            }
            let word_char = c.is_alphanumeric() || c == '_' || c == '/' || c == '*';
            // Punctuation that belongs to a number: 12.5, .8, 1.2.0 (a full stop
            // ends a clause), 12%, 6:30, -0.5, 1-5.
            let in_number =
                (c == '.' && next.is_ascii_digit() && (word.is_empty() || prev.is_ascii_digit()))
                    || (c == '%' && word.chars().last().is_some_and(|p| p.is_ascii_digit()))
                    || (c == ':' && prev.is_ascii_digit() && next.is_ascii_digit())
                    || (c == '-'
                        && next.is_ascii_digit()
                        && (prev.is_ascii_digit() || (word.is_empty() && !prev.is_alphanumeric())));
            if word_char || in_number {
                word.push(c);
            } else if c == ',' && prev.is_ascii_digit() && next.is_ascii_digit() {
                // 350,000: a thousands separator, not a list comma.
            } else if c == '&' && prev == ' ' && next == ' ' {
                // "Loom & Co": kept, as names hold it; a word of its own.
                flush(&mut word, &mut toks);
                toks.push(plain("&"));
            } else if (c == '-' || c == '=') && next == '>' {
                // "mae gate -> 300k": an arrow to the new value, no comparison.
                flush(&mut word, &mut toks);
                toks.push(plain("->"));
                i += 1;
            } else if matches!(c, '>' | '<' | '=' | '\u{2265}' | '\u{2264}') {
                flush(&mut word, &mut toks);
                let sym = match (c, next) {
                    ('>', '=') | ('\u{2265}', _) => ">=",
                    ('<', '=') | ('\u{2264}', _) => "<=",
                    ('>', _) => ">",
                    ('<', _) => "<",
                    _ => "=",
                };
                if sym.len() == 2 && next == '=' {
                    i += 1;
                }
                toks.push(plain(sym));
            } else {
                flush(&mut word, &mut toks);
                if matches!(c, ',' | ';' | '.' | ':' | '!' | '?' | '(' | ')') {
                    let mut t = plain(&c.to_string());
                    t.punct = true;
                    toks.push(t);
                }
            }
            i += 1;
        }
        flush(&mut word, &mut toks);
        let asks = raw.trim_end().ends_with('?');
        Tokens {
            toks,
            raw: raw.to_string(),
            asks,
        }
    }

    pub fn len(&self) -> usize {
        self.toks.len()
    }

    /// The lowercase text at `i`, or "" past the end.
    pub fn word(&self, i: usize) -> &str {
        self.toks.get(i).map(|t| t.text.as_str()).unwrap_or("")
    }

    /// Words only (no punctuation), for counting what was said.
    pub fn word_count(&self) -> usize {
        self.toks.iter().filter(|t| !t.punct).count()
    }

    pub fn has(&self, w: &str) -> bool {
        self.find_phrase(w, 0).is_some()
    }

    pub fn has_any(&self, ws: &[&str]) -> bool {
        ws.iter().any(|w| self.has(w))
    }

    /// First position of any of the phrases, the earliest one winning.
    pub fn find_any(&self, phrases: &[&str], from: usize) -> Option<(usize, usize)> {
        phrases
            .iter()
            .filter_map(|p| self.find_phrase(p, from).map(|i| (i, p.split(' ').count())))
            .min_by_key(|&(i, len)| (i, usize::MAX - len))
    }

    /// Position of a phrase ("feature set"), matched word by word on stems and
    /// never inside a quoted name.
    pub fn find_phrase(&self, phrase: &str, from: usize) -> Option<usize> {
        let words: Vec<String> = phrase.split(' ').map(stem).collect();
        if words.is_empty() || self.toks.len() < words.len() {
            return None;
        }
        (from..=self.toks.len() - words.len()).find(|&i| {
            words.iter().enumerate().all(|(k, w)| {
                let t = &self.toks[i + k];
                !t.quoted && (t.stem == *w || t.text == *w)
            })
        })
    }
}

fn plain(s: &str) -> Token {
    Token {
        text: s.to_string(),
        stem: s.to_string(),
        orig: s.to_string(),
        quoted: false,
        punct: false,
    }
}

fn flush(word: &mut String, toks: &mut Vec<Token>) {
    if word.is_empty() {
        return;
    }
    let orig = std::mem::take(word);
    let trimmed = orig.trim_matches('/').to_string();
    let orig = if trimmed.is_empty() || orig.starts_with('/') {
        orig
    } else {
        trimmed
    };
    let text = orig.to_lowercase();
    toks.push(Token {
        stem: stem(&text),
        text,
        orig,
        quoted: false,
        punct: false,
    });
}

/// Words that carry no name: articles, fillers, kind words.
pub const FILLER: &[&str] = &[
    "a",
    "an",
    "the",
    "this",
    "that",
    "these",
    "those",
    "my",
    "our",
    "its",
    "it",
    "new",
    "called",
    "named",
    "name",
    "and",
    "also",
    "too",
    "please",
    "column",
    "columns",
    "feature",
    "features",
    "set",
    "sets",
    "group",
    "groups",
    "featureset",
    "featuresets",
    "field",
    "fields",
    "some",
    "another",
    "one",
    "same",
    "existing",
    "current",
    "recipe",
    "manifest",
    "model",
    "list",
    "as",
    "well",
    "just",
    "only",
    "all",
    "of",
    "both",
    "either",
    "more",
    "few",
    "couple",
];

/// Is `w` a plain identifier a manifest could use as a name?
pub fn is_identifier(w: &str) -> bool {
    let mut chars = w.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && w.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
}

/// Turns a name typed with spaces or dashes into the snake_case a manifest uses.
pub fn snake(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// Finds `wanted` among `names`: exactly, then ignoring case and separators,
/// then by a unique name whose words share the wanted word's stem
/// ("promotions" -> "price_promotion"). Returns the matched name and whether
/// the match was loose (so the reply can say so).
pub fn resolve_name<'a>(wanted: &str, names: &[&'a str]) -> Option<(&'a str, bool)> {
    if let Some(n) = names.iter().find(|n| **n == wanted) {
        return Some((n, false));
    }
    let w = snake(wanted);
    if w.is_empty() {
        return None;
    }
    if let Some(n) = names.iter().find(|n| snake(n) == w) {
        return Some((n, false));
    }
    let w_stem = stem(&w);
    if w_stem.chars().count() < 3 {
        return None;
    }
    let loose: Vec<&&str> = names
        .iter()
        .filter(|n| {
            let s = snake(n);
            stem(&s) == w_stem || s.split('_').any(|part| stem(part) == w_stem)
        })
        .collect();
    if let [one] = loose.as_slice() {
        return Some((one, true));
    }
    // "product attrs", "demographics": every word typed starts a word of
    // one name alone ("product_attributes", "trade_area_demographics").
    let typed: Vec<String> = w.split('_').map(stem).filter(|p| p.len() >= 3).collect();
    if typed.is_empty() {
        return None;
    }
    let covering: Vec<&&str> = names
        .iter()
        .filter(|n| {
            let parts: Vec<String> = snake(n).split('_').map(stem).collect();
            typed
                .iter()
                .all(|t| parts.iter().any(|p| p.starts_with(t.as_str())))
        })
        .collect();
    if let [one] = covering.as_slice() {
        return Some((one, true));
    }
    // "competitor" for "competitive_position": every word typed begins as a
    // word of one name alone does, for six letters or more.
    let shared = |a: &str, b: &str| a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let near: Vec<&&str> = names
        .iter()
        .filter(|n| {
            typed
                .iter()
                .all(|t| snake(n).split('_').any(|p| shared(p, t) >= 6))
        })
        .collect();
    match near.as_slice() {
        [one] => Some((one, true)),
        _ => None,
    }
}

/// Levenshtein distance, for typo-tolerant suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Edits between a typo and the word meant, where swapping two neighbouring
/// letters ("montior", "thershold") is one slip, not two (optimal string
/// alignment distance).
pub fn typo_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Names from `names` that look like `wanted` (shared word or small typo), best first.
pub fn similar_names<'a>(wanted: &str, names: &[&'a str], max: usize) -> Vec<&'a str> {
    let w = snake(wanted);
    let mut scored: Vec<(usize, usize, &str)> = names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let s = snake(n);
            let d = edit_distance(&w, &s);
            let shares_word = s
                .split('_')
                .any(|p| p.len() > 2 && w.split('_').any(|q| stem(p) == stem(q)));
            if shares_word {
                Some((0, i, *n))
            } else if d <= 2.max(w.len() / 4) {
                Some((d, i, *n))
            } else {
                None
            }
        })
        .collect();
    scored.sort();
    scored.into_iter().take(max).map(|(_, _, n)| n).collect()
}

/// "a, b and c".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The items `others` holds too, in their order.
pub fn also_in(items: &[String], others: &[String]) -> Vec<String> {
    items
        .iter()
        .filter(|i| others.contains(i))
        .cloned()
        .collect()
}

/// The items `others` does not hold, in their order.
pub fn not_in(items: &[String], others: &[String]) -> Vec<String> {
    items
        .iter()
        .filter(|i| !others.contains(i))
        .cloned()
        .collect()
}

/// "a is" or "a and b are": the items as a sentence's subject.
pub fn is_or_are(items: &[String]) -> String {
    match items {
        [one] => format!("{one} is"),
        _ => format!("{} are", join_and(items)),
    }
}

/// A JSON value shown inline, cut to a readable length.
pub fn show(v: &serde_json::Value) -> String {
    let s = match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// A JSON number, written as an integer when it is whole (12, not 12.0).
pub fn jnum(x: f64) -> serde_json::Value {
    if x.fract() == 0.0 && x.abs() < 9e15 {
        serde_json::Value::from(x as i64)
    } else {
        serde_json::Value::from(x)
    }
}

/// `x` rounded to two significant digits, for example thresholds (0.264 -> 0.26).
pub fn nice(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// A number without a trailing ".0" (0.12, 192, 350000).
pub fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Whether the words right before `at` are `phrase` ("instead of").
pub fn phrase_ends_at<'a>(word: impl Fn(usize) -> &'a str, at: usize, phrase: &str) -> bool {
    let cue: Vec<&str> = phrase.split(' ').collect();
    at >= cue.len()
        && cue
            .iter()
            .enumerate()
            .all(|(k, c)| word(at - cue.len() + k) == *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        Tokens::new(s).toks.into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn keeps_numbers_percentages_times_and_names() {
        assert_eq!(
            texts("Make MAPE under 12.5%, at 6:30pm; lag_1w_units >= .8"),
            [
                "make",
                "mape",
                "under",
                "12.5%",
                ",",
                "at",
                "6:30pm",
                ";",
                "lag_1w_units",
                ">=",
                ".8"
            ]
        );
        assert_eq!(texts("350,000 and a, b"), ["350000", "and", "a", ",", "b"]);
        assert_eq!(texts("real-time 5-fold"), ["real", "time", "5", "fold"]);
    }

    #[test]
    fn quotes_make_one_name_and_apostrophes_vanish() {
        let t = Tokens::new("what's in 'Hotel Pricing EU'? don't");
        let words: Vec<&str> = t.toks.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(words, ["whats", "in", "hotel pricing eu", "?", "dont"]);
        assert!(t.toks[2].quoted);
        assert_eq!(t.toks[2].orig, "Hotel Pricing EU");
        assert!(!t.asks);
        assert!(Tokens::new("why is it alerting? ").asks);
    }

    #[test]
    fn phrases_match_on_stems() {
        let t = Tokens::new("remove the promotions feature sets");
        assert_eq!(t.find_phrase("feature set", 0), Some(3));
        assert!(t.has("promotion"));
    }

    #[test]
    fn names_resolve_exactly_then_loosely_but_only_when_unique() {
        let names = ["demand_history", "calendar", "price_promotion"];
        assert_eq!(resolve_name("calendar", &names), Some(("calendar", false)));
        assert_eq!(
            resolve_name("Demand History", &names),
            Some(("demand_history", false))
        );
        assert_eq!(
            resolve_name("promotions", &names),
            Some(("price_promotion", true))
        );
        assert_eq!(resolve_name("nonexistent", &names), None);
        assert_eq!(resolve_name("price", &["price_a", "price_b"]), None);
    }

    #[test]
    fn numbers_print_without_noise() {
        assert_eq!(num(0.12), "0.12");
        assert_eq!(num(192.0), "192");
        assert_eq!(num(0.1 + 0.2), "0.3");
        assert_eq!(num(nice(0.264)), "0.26");
        assert_eq!(num(nice(0.7875)), "0.79");
        assert_eq!(num(nice(280_000.0)), "280000");
    }

    #[test]
    fn lists_split_by_another_keep_their_order_and_read_as_a_subject() {
        let words = |w: &[&str]| -> Vec<String> { w.iter().map(|s| s.to_string()).collect() };
        let items = words(&["c", "a", "b"]);
        let others = words(&["b", "c", "x"]);
        assert_eq!(also_in(&items, &others), words(&["c", "b"]));
        assert_eq!(not_in(&items, &others), words(&["a"]));
        assert_eq!(is_or_are(&words(&["a"])), "a is");
        assert_eq!(is_or_are(&items), "c, a and b are");
    }
}
