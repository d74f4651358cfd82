//! Forms: a small overlay of fields in order, Tab/Shift-Tab between them,
//! pickers that filter as you type, inline validation, Enter on the last
//! field or Ctrl-S to submit, Esc to cancel (asking first if something was typed).

use crate::keymap::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One choice of a picker; a disabled one is shown with why it cannot be picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub value: String,
    pub disabled: Option<String>,
}

impl Choice {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Choice {
        Choice {
            label: label.into(),
            value: value.into(),
            disabled: None,
        }
    }
}

/// What a field checks as the user types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    None,
    Required,
    /// Empty, or a JSON object.
    JsonObject,
    /// Empty, or a JSON array.
    JsonArray,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Text,
    Picker {
        choices: Vec<Choice>,
        filter: String,
        highlighted: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub label: String,
    pub kind: Kind,
    /// Text typed, or the chosen value of a picker.
    pub value: String,
    pub check: Check,
    pub error: Option<String>,
    pub hint: Option<String>,
    /// A picker over a long list: it holds a window of it, and what is typed
    /// is searched in the database (`Some(n)`: the first `n` choices are
    /// fixed, such as "(none)", and stay whatever the search finds).
    pub searched: Option<usize>,
}

impl Field {
    pub fn text(name: &'static str, label: &str, value: &str, check: Check) -> Field {
        Field {
            name,
            label: label.into(),
            kind: Kind::Text,
            value: value.into(),
            check,
            error: None,
            hint: None,
            searched: None,
        }
    }

    /// A picker starting on `selected` (a value), or on the first enabled choice.
    pub fn picker(
        name: &'static str,
        label: &str,
        choices: Vec<Choice>,
        selected: Option<&str>,
    ) -> Field {
        let start = selected
            .and_then(|s| choices.iter().position(|c| c.value == s))
            .or_else(|| choices.iter().position(|c| c.disabled.is_none()))
            .unwrap_or(0);
        let value = choices
            .get(start)
            .filter(|c| c.disabled.is_none())
            .map(|c| c.value.clone())
            .unwrap_or_default();
        Field {
            name,
            label: label.into(),
            kind: Kind::Picker {
                choices,
                filter: String::new(),
                highlighted: start,
            },
            value,
            check: Check::Required,
            error: None,
            hint: None,
            searched: None,
        }
    }

    /// A picker whose choices after the first `fixed` come from a database
    /// search as the user types.
    pub fn searched(mut self, fixed: usize) -> Field {
        self.searched = Some(fixed);
        self
    }

    /// What is typed into a picker to narrow it.
    pub fn filter(&self) -> &str {
        match &self.kind {
            Kind::Picker { filter, .. } => filter,
            Kind::Text => "",
        }
    }

    /// Clears a picker's typed filter (its highlighted choice is its value
    /// again); false when there was none.
    fn clear_filter(&mut self) -> bool {
        match &mut self.kind {
            Kind::Picker { filter, .. } if !filter.is_empty() => {
                filter.clear();
                self.take_highlighted();
                true
            }
            _ => false,
        }
    }

    /// A search's answer: the fixed choices, then the ones found. The
    /// highlighted choice stays when it is still offered.
    pub fn set_found(&mut self, found: Vec<Choice>) {
        let Some(fixed) = self.searched else { return };
        let Kind::Picker {
            choices,
            filter,
            highlighted,
        } = &mut self.kind
        else {
            return;
        };
        let kept = choices.get(*highlighted).map(|c| c.value.clone());
        choices.truncate(fixed);
        choices.extend(found);
        let visible = shown(choices, filter);
        let allowed = |i: &usize| choices[*i].disabled.is_none();
        // Typed text moves the selection onto the first allowed match found;
        // with nothing typed the selection stays where it was.
        let first_match = (!filter.is_empty())
            .then(|| {
                visible
                    .iter()
                    .copied()
                    .filter(|i| *i >= fixed)
                    .find(allowed)
            })
            .flatten();
        *highlighted = first_match
            .or_else(|| kept.and_then(|v| visible.iter().copied().find(|i| choices[*i].value == v)))
            .or_else(|| {
                visible
                    .iter()
                    .copied()
                    .find(|i| choices[*i].disabled.is_none())
            })
            .or(visible.first().copied())
            .unwrap_or(0);
        self.take_highlighted();
        self.validate();
    }

    /// The picker's value is its highlighted choice, when shown and allowed;
    /// a disabled one says why it cannot be picked.
    fn take_highlighted(&mut self) {
        if let Kind::Picker {
            choices,
            filter,
            highlighted,
        } = &self.kind
        {
            let choice = choices.get(*highlighted);
            self.value = choice
                .filter(|c| c.disabled.is_none() && fuzzy(&c.label, filter))
                .map(|c| c.value.clone())
                .unwrap_or_default();
            self.error = choice.and_then(|c| c.disabled.clone());
        }
    }

    pub fn with_hint(mut self, hint: &str) -> Field {
        self.hint = Some(hint.into());
        self
    }

    /// The picker's choices matching its filter (fuzzy: the typed letters in order).
    pub fn visible_choices(&self) -> Vec<(usize, &Choice)> {
        match &self.kind {
            Kind::Picker {
                choices, filter, ..
            } => shown(choices, filter)
                .into_iter()
                .map(|i| (i, &choices[i]))
                .collect(),
            Kind::Text => vec![],
        }
    }

    fn validate(&mut self) {
        // A disabled choice says why it cannot be picked.
        if let Kind::Picker {
            choices,
            highlighted,
            ..
        } = &self.kind
            && let Some(why) = choices.get(*highlighted).and_then(|c| c.disabled.clone())
        {
            self.error = Some(why);
            return;
        }
        let v = self.value.trim();
        self.error = match self.check {
            Check::None => None,
            Check::Required if v.is_empty() => Some(match self.kind {
                Kind::Picker { .. } => "pick one".into(),
                Kind::Text => "required".into(),
            }),
            Check::Required => None,
            Check::JsonObject | Check::JsonArray if v.is_empty() => None,
            Check::JsonObject | Check::JsonArray => {
                match serde_json::from_str::<serde_json::Value>(v) {
                    Err(e) => Some(format!(
                        "{}:{}: {}",
                        e.line(),
                        e.column(),
                        strip_position(&e.to_string())
                    )),
                    Ok(j) if self.check == Check::JsonObject && !j.is_object() => {
                        Some("must be a JSON object {...}".into())
                    }
                    Ok(j) if self.check == Check::JsonArray && !j.is_array() => {
                        Some("must be a JSON array [...]".into())
                    }
                    Ok(_) => None,
                }
            }
        };
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Whether the letters of `pattern` appear in `text` in order, ignoring case.
pub fn fuzzy(text: &str, pattern: &str) -> bool {
    let mut chars = text.chars().flat_map(char::to_lowercase);
    pattern
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .all(|p| chars.any(|c| c == p))
}

#[derive(Debug, Clone, PartialEq)]
pub struct Form<P> {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// What submitting does.
    pub purpose: P,
    /// Why the last submit was refused; the typed values stay.
    pub refusal: Option<String>,
    /// Esc pressed with something typed: the next Esc discards, anything else resumes.
    pub confirm_cancel: bool,
    pub submitting: bool,
    initial: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Continue,
    Cancel,
    Submit,
    /// The filter of a searched picker (this field) changed: search again.
    Search(usize),
}

impl<P> Form<P> {
    pub fn new(title: impl Into<String>, fields: Vec<Field>, purpose: P) -> Form<P> {
        let initial = fields.iter().map(|f| f.value.clone()).collect();
        let mut form = Form {
            title: title.into(),
            fields,
            focus: 0,
            purpose,
            refusal: None,
            confirm_cancel: false,
            submitting: false,
            initial,
        };
        for f in &mut form.fields {
            f.validate();
            // No complaint before the user has typed anything.
            if f.value.is_empty() {
                f.error = None;
            }
        }
        form
    }

    pub fn value(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.trim())
            .unwrap_or_default()
    }

    /// The label of a picker's chosen value ("demand (latest 1.2.0)"), else
    /// the value itself.
    pub fn chosen_label(&self, name: &str) -> &str {
        let Some(field) = self.fields.iter().find(|f| f.name == name) else {
            return "";
        };
        match &field.kind {
            Kind::Picker { choices, .. } => choices
                .iter()
                .find(|c| c.value == field.value)
                .map_or(field.value.trim(), |c| c.label.as_str()),
            Kind::Text => field.value.trim(),
        }
    }

    /// Whether anything differs from how the form opened.
    pub fn dirty(&self) -> bool {
        self.fields
            .iter()
            .zip(&self.initial)
            .any(|(f, v)| f.value != *v)
    }

    pub fn is_valid(&mut self) -> bool {
        for f in &mut self.fields {
            f.validate();
        }
        self.fields.iter().all(|f| f.error.is_none())
    }

    /// Does a form command (from the keymap's `form` context); `None`: not
    /// one of its own, so the key is typed.
    pub fn on_command(&mut self, command: Command) -> Option<Outcome> {
        if self.submitting {
            return Some(Outcome::Continue);
        }
        if self.confirm_cancel {
            // Asked "discard?": going back again discards, anything else resumes.
            self.confirm_cancel = false;
            return Some(if command == Command::BACK {
                Outcome::Cancel
            } else {
                Outcome::Continue
            });
        }
        let count = self.fields.len().max(1);
        Some(match command {
            // In a picker, esc first takes back what was typed to filter it
            // (as fzf does); the next one leaves the form.
            Command::BACK if self.clear_focused_filter() => match self.fields.get(self.focus) {
                Some(field) if field.searched.is_some() => Outcome::Search(self.focus),
                _ => Outcome::Continue,
            },
            Command::BACK if self.dirty() => {
                self.confirm_cancel = true;
                Outcome::Continue
            }
            Command::BACK => Outcome::Cancel,
            Command::SUBMIT => self.try_submit(),
            Command::NEXT_FIELD => self.focus_on((self.focus + 1) % count),
            Command::PREV_FIELD => self.focus_on((self.focus + count - 1) % count),
            Command::OPEN if self.focus + 1 >= self.fields.len() => self.try_submit(),
            Command::OPEN => self.focus_on(self.focus + 1),
            Command::UP | Command::DOWN => {
                if let Some(field) = self.fields.get_mut(self.focus) {
                    step_picker(field, command == Command::DOWN);
                }
                Outcome::Continue
            }
            _ => return None,
        })
    }

    /// A key no command claimed: typed into the focused field.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        if self.submitting {
            return Outcome::Continue;
        }
        if self.confirm_cancel {
            self.confirm_cancel = false;
            return if key.code == KeyCode::Char('y') {
                Outcome::Cancel
            } else {
                Outcome::Continue
            };
        }
        let mut outcome = Outcome::Continue;
        if let Some(field) = self.fields.get_mut(self.focus) {
            let before = field.filter().to_string();
            edit_field(field, key);
            field.validate();
            if field.searched.is_some() && field.filter() != before {
                outcome = Outcome::Search(self.focus);
            }
        }
        self.refusal = None;
        outcome
    }

    fn clear_focused_filter(&mut self) -> bool {
        self.fields
            .get_mut(self.focus)
            .is_some_and(Field::clear_filter)
    }

    /// Moves to field `i`; a searched picker then reads its choices again,
    /// to offer only what fits the fields filled so far.
    fn focus_on(&mut self, i: usize) -> Outcome {
        self.focus = i;
        match self.fields.get(i) {
            Some(field) if field.searched.is_some() => Outcome::Search(i),
            _ => Outcome::Continue,
        }
    }

    /// Every field's name and value, for a search that depends on them.
    pub fn values(&self) -> Vec<(&'static str, String)> {
        self.fields
            .iter()
            .map(|f| (f.name, f.value.clone()))
            .collect()
    }

    fn try_submit(&mut self) -> Outcome {
        if self.is_valid() {
            Outcome::Submit
        } else {
            if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
                self.focus = i;
            }
            Outcome::Continue
        }
    }
}

/// Moves a picker's highlight to the next (or previous) choice shown.
fn step_picker(field: &mut Field, forward: bool) {
    let Kind::Picker {
        choices,
        filter,
        highlighted,
    } = &mut field.kind
    else {
        return;
    };
    // Disallowed choices are shown (dimmed, with why) but never landed on.
    let visible: Vec<usize> = shown(choices, filter)
        .into_iter()
        .filter(|i| choices[*i].disabled.is_none() || i == highlighted)
        .collect();
    let pos = visible.iter().position(|i| i == highlighted);
    let next = if forward {
        pos.map(|p| p + 1)
            .and_then(|p| visible.get(p))
            .or(visible.first())
    } else {
        pos.and_then(|p| p.checked_sub(1))
            .and_then(|p| visible.get(p))
    };
    let next = next.filter(|i| choices[**i].disabled.is_none());
    if let Some(next) = next {
        *highlighted = *next;
    }
    field.take_highlighted();
}

/// The indexes of the choices `filter` shows.
fn shown(choices: &[Choice], filter: &str) -> Vec<usize> {
    choices
        .iter()
        .enumerate()
        .filter(|(_, c)| fuzzy(&c.label, filter))
        .map(|(i, _)| i)
        .collect()
}

fn edit_field(field: &mut Field, key: KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match &mut field.kind {
        Kind::Text => match key.code {
            KeyCode::Backspace => {
                field.value.pop();
            }
            KeyCode::Char('u') if ctrl => field.value.clear(),
            KeyCode::Char(c) if !ctrl => field.value.push(c),
            _ => {}
        },
        Kind::Picker {
            choices,
            filter,
            highlighted,
        } => {
            match key.code {
                KeyCode::Backspace => {
                    filter.pop();
                }
                KeyCode::Char(c) if !ctrl => {
                    filter.push(c);
                    let visible = shown(choices, filter);
                    if !visible.contains(highlighted)
                        && let Some(first) = visible.first()
                    {
                        *highlighted = *first;
                    }
                }
                _ => {}
            }
            field.take_highlighted();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    /// A key as the app hands it over: the default keymap's `form` command
    /// first, else typed.
    fn press<P>(f: &mut Form<P>, key: KeyEvent) -> Outcome {
        use crate::keymap::{Context, Key, KeyTable, Keymap};
        let keymap = Keymap::load(&KeyTable::new()).unwrap();
        match keymap
            .lookup(Context::FORM, Key::from_event(&key))
            .and_then(|c| f.on_command(c))
        {
            Some(outcome) => outcome,
            None => f.on_key(key),
        }
    }

    #[test]
    fn a_searched_picker_asks_and_keeps_its_fixed_choices() {
        let picker = Field::picker(
            "recipe",
            "Recipe",
            vec![Choice::new("(none)", ""), Choice::new("alpha", "1")],
            Some("1"),
        )
        .searched(1);
        let mut f = Form::new("t", vec![picker], ());
        assert_eq!(press(&mut f, key(KeyCode::Char('z'))), Outcome::Search(0));
        // Moving through the choices is no new search.
        assert_eq!(press(&mut f, key(KeyCode::Down)), Outcome::Continue);
        f.fields[0].set_found(vec![Choice::new("zeta", "9")]);
        let labels: Vec<&str> = match &f.fields[0].kind {
            Kind::Picker { choices, .. } => choices.iter().map(|c| c.label.as_str()).collect(),
            Kind::Text => vec![],
        };
        assert_eq!(labels, ["(none)", "zeta"]);
        assert_eq!(f.fields[0].value, "9", "the only match is picked");
        assert_eq!(press(&mut f, key(KeyCode::Backspace)), Outcome::Search(0));
    }

    fn form() -> Form<()> {
        Form::new(
            "t",
            vec![
                Field::text("name", "Name", "", Check::Required),
                Field::picker(
                    "version",
                    "Version",
                    vec![
                        Choice::new("1.0.0", "1"),
                        Choice {
                            label: "1.1.0".into(),
                            value: "2".into(),
                            disabled: Some("not approved".into()),
                        },
                    ],
                    None,
                ),
                Field::text("metrics", "Metrics", "", Check::JsonObject),
            ],
            (),
        )
    }

    #[test]
    fn tab_moves_and_enter_on_the_last_field_submits_only_when_valid() {
        let mut f = form();
        assert_eq!(press(&mut f, key(KeyCode::Enter)), Outcome::Continue);
        assert_eq!(f.focus, 1);
        f.focus = 2;
        assert_eq!(press(&mut f, key(KeyCode::Enter)), Outcome::Continue);
        assert_eq!(f.focus, 0, "focus jumps to the field with the error");
        assert_eq!(f.fields[0].error.as_deref(), Some("required"));
        press(&mut f, key(KeyCode::Char('m')));
        f.focus = 2;
        assert_eq!(press(&mut f, key(KeyCode::Enter)), Outcome::Submit);
        assert_eq!(f.value("name"), "m");
        assert_eq!(f.value("version"), "1");
    }

    #[test]
    fn json_fields_are_checked_as_you_type() {
        let mut f = form();
        f.focus = 2;
        for c in "{\"a\":".chars() {
            press(&mut f, key(KeyCode::Char(c)));
        }
        assert!(f.fields[2].error.as_deref().unwrap().starts_with("1:5"));
        press(&mut f, key(KeyCode::Char('1')));
        press(&mut f, key(KeyCode::Char('}')));
        assert_eq!(f.fields[2].error, None);
        f.fields[2].value = "[1]".into();
        assert!(!f.is_valid());
    }

    #[test]
    fn disabled_choices_are_visible_but_not_selectable() {
        let mut f = form();
        f.focus = 1;
        assert_eq!(f.fields[1].visible_choices().len(), 2, "both are shown");
        // The arrows pass over the disallowed choice: the allowed one stays.
        press(&mut f, key(KeyCode::Down));
        assert_eq!(f.value("version"), "1");
        assert_eq!(f.fields[1].error, None);
        press(&mut f, key(KeyCode::Up));
        assert_eq!(f.value("version"), "1");
        // Typing filters.
        press(&mut f, key(KeyCode::Char('1')));
        press(&mut f, key(KeyCode::Char('1')));
        assert_eq!(f.fields[1].visible_choices().len(), 1);
    }

    #[test]
    fn esc_asks_first_only_when_something_was_typed() {
        let mut f = form();
        assert_eq!(press(&mut f, key(KeyCode::Esc)), Outcome::Cancel);
        let mut f = form();
        press(&mut f, key(KeyCode::Char('x')));
        assert_eq!(press(&mut f, key(KeyCode::Esc)), Outcome::Continue);
        assert!(f.confirm_cancel);
        assert_eq!(press(&mut f, key(KeyCode::Char('n'))), Outcome::Continue);
        assert_eq!(f.value("name"), "x");
        press(&mut f, key(KeyCode::Esc));
        assert_eq!(press(&mut f, key(KeyCode::Esc)), Outcome::Cancel);
    }

    #[test]
    fn esc_in_a_picker_first_clears_its_filter() {
        let mut f = form();
        f.focus = 1;
        press(&mut f, key(KeyCode::Char('z')));
        press(&mut f, key(KeyCode::Char('z')));
        assert_eq!(f.fields[1].filter(), "zz");
        assert!(
            f.fields[1].visible_choices().is_empty(),
            "nothing matches zz"
        );
        // The first esc takes the filter back and keeps the form open.
        assert_eq!(press(&mut f, key(KeyCode::Esc)), Outcome::Continue);
        assert_eq!(f.fields[1].filter(), "");
        assert!(!f.confirm_cancel);
        assert_eq!(f.fields[1].visible_choices().len(), 2);
        // With nothing typed, the next esc leaves.
        assert_eq!(press(&mut f, key(KeyCode::Esc)), Outcome::Cancel);
    }

    #[test]
    fn fuzzy_matches_letters_in_order() {
        assert!(fuzzy("Pricing Optimization Baseline v1", "pob"));
        assert!(!fuzzy("Pricing", "gp"));
        assert!(fuzzy("anything", ""));
    }
}
