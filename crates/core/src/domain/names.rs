//! What a name may be: recipe and model names, owners and users are shown to
//! other people, so nothing in them may be invisible, reorder text or drive a
//! terminal.

/// Characters a name never holds: controls, bidi controls, and the
/// zero-width or invisible formatting characters that make lookalikes.
fn is_forbidden_in_name(c: char) -> bool {
    crate::text::is_terminal_unsafe(c)
        || matches!(
            c,
            '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2065}' | '\u{FEFF}'
        )
}

/// A recipe or model name, trimmed: not empty, not a number (numbers refer
/// to ids), nothing invisible.
pub fn check_name(kind: &str, name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("a {kind} needs a name"));
    }
    refuse_invisible(&format!("a {kind} name"), name)?;
    if name.parse::<i64>().is_ok() {
        return Err(format!(
            "a {kind} name cannot be a number (numbers refer to ids)"
        ));
    }
    Ok(name.to_string())
}

/// A person (an owner, the acting user), trimmed: not empty, nothing invisible.
pub fn check_person(what: &str, who: &str) -> Result<String, String> {
    let who = who.trim();
    if who.is_empty() {
        return Err(format!("{what} cannot be empty"));
    }
    refuse_invisible(what, who)?;
    Ok(who.to_string())
}

fn refuse_invisible(what: &str, text: &str) -> Result<(), String> {
    match text.chars().find(|c| is_forbidden_in_name(*c)) {
        Some(c) => Err(format!(
            "{what} cannot hold control or invisible characters (found {})",
            c.escape_unicode()
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(check_name("recipe", "  Retail v1 ").unwrap(), "Retail v1");
        assert!(check_name("recipe", " ").is_err());
        assert!(check_name("model", "42").is_err());
        assert_eq!(check_name("model", "需求预测").unwrap(), "需求预测");
    }

    #[test]
    fn invisible_and_controlling_characters_are_refused() {
        for bad in [
            "a\u{1b}]52;c;aGk=\u{7}",
            "a\u{9b}2J",
            "ad\u{202e}nim",
            "ad\u{200b}min",
            "a\0b",
            "a\nb",
            "\u{feff}admin",
        ] {
            let e = check_person("the owner", bad).unwrap_err();
            assert!(e.starts_with("the owner cannot hold"), "{e}");
            assert!(!e.chars().any(crate::text::is_terminal_unsafe), "{e:?}");
            assert!(check_name("model", bad).is_err(), "{bad:?}");
        }
    }
}
