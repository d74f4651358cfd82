//! The run filter and order-by language: the subset of MLflow's
//! `search_runs` syntax that `nexml run list --filter`, the Runs tab and the
//! MLflow-compatible `runs/search` endpoint accept, parsed to an AST the
//! store translates to SQL.
//!
//! ```text
//! metrics.rmse < 0.5 and params.lr = '0.01' and status = 'FINISHED'
//! tags.`my team` IN ('a', 'b') and attributes.start_time >= 1664067852747
//! ```
//!
//! A filter is comparisons joined by `and` and `or` (`and` binds tighter),
//! grouped with parentheses; MLflow's own filters, `and` only, parse as
//! they always did. The left
//! side is `metrics.<key>`, `params.<key>`, `tags.<key>` or an attribute
//! (`attributes.status`, or bare `status`); keys with spaces are quoted with
//! backticks or double quotes. Metric values are numbers, params' and tags'
//! are quoted strings, statuses are nexml's or MLflow's names (normalized to
//! nexml's), times are epoch milliseconds or quoted dates. Every error names
//! the 1-based character column it is about.

use crate::domain::{RunStatus, RunType};
use crate::text;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use std::fmt;

/// A parsed filter: every condition must hold, and in each `any_of` group
/// one of the alternatives. Nothing in it: every run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    pub conditions: Vec<Condition>,
    /// Groups written `(a or b)`: each must hold through one alternative.
    pub any_of: Vec<Vec<Filter>>,
}

impl Filter {
    /// A filter of these conditions, all of which must hold.
    pub fn all_of(conditions: Vec<Condition>) -> Filter {
        Filter {
            conditions,
            any_of: Vec::new(),
        }
    }

    /// A filter one of `alternatives` must satisfy; one alone is itself.
    pub fn any_of(mut alternatives: Vec<Filter>) -> Filter {
        if alternatives.len() == 1 {
            alternatives.pop().unwrap_or_default()
        } else {
            Filter {
                conditions: Vec::new(),
                any_of: vec![alternatives],
            }
        }
    }

    /// Adds `other`: both must hold.
    pub fn and(&mut self, other: Filter) {
        self.conditions.extend(other.conditions);
        self.any_of.extend(other.any_of);
    }

    /// Whether it lets every run through.
    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty() && self.any_of.is_empty()
    }

    /// Every condition, inside groups too, in the order written.
    pub fn every_condition(&self) -> Vec<&Condition> {
        let mut all: Vec<&Condition> = self.conditions.iter().collect();
        for alternatives in &self.any_of {
            for a in alternatives {
                all.extend(a.every_condition());
            }
        }
        all
    }

    /// Whether the filter holds, given whether each condition does.
    pub fn holds(&self, test: &dyn Fn(&Condition) -> bool) -> bool {
        self.conditions.iter().all(test)
            && self
                .any_of
                .iter()
                .all(|alternatives| alternatives.iter().any(|a| a.holds(test)))
    }
}

/// One comparison: `field op value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: Field,
    pub op: Op,
    pub value: Value,
}

/// What a condition compares. `tags.mlflow.runName` is the run's name and
/// parses as `Attribute(Name)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Metric(String),
    Param(String),
    Tag(String),
    Attribute(Attribute),
}

/// A run's own columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribute {
    /// `id`, `run_id`: a number.
    Id,
    /// `status`: queued, running, succeeded, failed, cancelled.
    Status,
    /// `type`, `run_type`: train, eval, backtest.
    RunType,
    /// `name`, `run_name`, `tags.mlflow.runName`.
    Name,
    /// `recipe`: the recipe's name.
    Recipe,
    /// `model`: the model's name.
    Model,
    /// `experiment`: the MLflow experiment's name (a recipe's own is the
    /// recipe's).
    Experiment,
    /// `created`.
    Created,
    /// `started`, `start_time`.
    Started,
    /// `finished`, `end_time`.
    Finished,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// SQL `LIKE`: `%` any run of characters, `_` one character.
    Like,
    /// `LIKE` ignoring case.
    ILike,
    /// The value is a `Value::List`.
    In,
    /// The value is a `Value::List`.
    NotIn,
}

/// The right side of a condition. Statuses and run types are nexml's
/// lower-case names (except in `LIKE`/`ILIKE` patterns, kept as written);
/// times are `Time`; run ids are whole `Number`s; `In`/`NotIn` take a `List`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Text(String),
    List(Vec<Value>),
    Time(DateTime<Utc>),
}

/// One key of an order-by list.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    pub field: Field,
    pub descending: bool,
}

/// Why a filter or order-by didn't parse, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct FilterError {
    /// 1-based character column; the input's length + 1 for "unexpected end".
    pub column: usize,
    /// One line, no position.
    pub message: String,
}

impl FilterError {
    fn new(pos: usize, message: impl Into<String>) -> Self {
        FilterError {
            column: pos + 1,
            message: message.into(),
        }
    }

    /// The input on one line and a caret under the error's column, for the
    /// CLI. Tabs, newlines and terminal controls in the input are shown as
    /// spaces so the caret stays under the right character (wide characters
    /// count two columns).
    pub fn pointed(&self, input: &str) -> String {
        let shown: String = input
            .chars()
            .map(|c| {
                if c == '\t' || text::is_terminal_unsafe(c) {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let pad: usize = shown
            .chars()
            .take(self.column.saturating_sub(1))
            .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
            .sum();
        format!("{shown}\n{}^", " ".repeat(pad))
    }
}

impl Attribute {
    /// Every attribute, in the order errors list them.
    pub const ALL: [Attribute; 10] = [
        Attribute::Id,
        Attribute::Status,
        Attribute::RunType,
        Attribute::Name,
        Attribute::Recipe,
        Attribute::Model,
        Attribute::Experiment,
        Attribute::Created,
        Attribute::Started,
        Attribute::Finished,
    ];

    /// The canonical (nexml) name.
    pub fn name(self) -> &'static str {
        match self {
            Attribute::Id => "id",
            Attribute::Status => "status",
            Attribute::RunType => "type",
            Attribute::Name => "name",
            Attribute::Recipe => "recipe",
            Attribute::Model => "model",
            Attribute::Experiment => "experiment",
            Attribute::Created => "created",
            Attribute::Started => "started",
            Attribute::Finished => "finished",
        }
    }

    /// The attribute a name (any case, nexml's or MLflow's) stands for.
    pub fn from_name(name: &str) -> Option<Attribute> {
        Some(match name.to_ascii_lowercase().as_str() {
            "id" | "run_id" => Attribute::Id,
            "status" => Attribute::Status,
            "type" | "run_type" => Attribute::RunType,
            "name" | "run_name" => Attribute::Name,
            "recipe" => Attribute::Recipe,
            "model" => Attribute::Model,
            "experiment" => Attribute::Experiment,
            "created" => Attribute::Created,
            "started" | "start_time" => Attribute::Started,
            "finished" | "end_time" => Attribute::Finished,
            _ => return None,
        })
    }
}

impl Op {
    /// The operator as written in a filter.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Like => "LIKE",
            Op::ILike => "ILIKE",
            Op::In => "IN",
            Op::NotIn => "NOT IN",
        }
    }
}

/// nexml's run statuses and types, as the error messages list them.
const STATUSES: &[&str] = RunStatus::NAMES;
const RUN_TYPES: &[&str] = RunType::NAMES;

/// A search box's text split at its `order by` (any case): the filter
/// part and the sort keys' text, if any.
pub fn split_order_by(text: &str) -> (&str, Option<&str>) {
    let lower = text.to_ascii_lowercase();
    match lower.find("order by") {
        // At the start, or after a space: not inside a key or a value's word.
        Some(at) if at == 0 || lower[..at].ends_with(' ') => (
            text[..at].trim(),
            Some(text[at + "order by".len()..].trim()),
        ),
        _ => (text.trim(), None),
    }
}

/// The first metric a search box's text sorts or filters by, for the
/// list's metric column.
pub fn first_metric(text: &str) -> Option<String> {
    let (expression, sort) = split_order_by(text);
    let sorted = sort
        .and_then(|keys| parse_order_by(keys).ok())
        .into_iter()
        .flatten()
        .map(|o| o.field);
    let filtered = looks_like_expression(expression)
        .then(|| parse(expression).ok())
        .flatten()
        .into_iter()
        .flat_map(|f| {
            f.every_condition()
                .into_iter()
                .map(|c| c.field.clone())
                .collect::<Vec<_>>()
        });
    sorted.chain(filtered).find_map(|field| match field {
        Field::Metric(key) => Some(key),
        _ => None,
    })
}

/// Whether a search box's text sorts the list (`... order by KEY`).
pub fn sorts(text: &str) -> bool {
    split_order_by(text).1.is_some()
}

/// Whether text typed in a search box is meant as a filter expression
/// rather than words to find: it names a field (`metrics.`, `params.`,
/// `tags.`, `attributes.` or an attribute), perhaps after an opening
/// parenthesis, and compares it.
pub fn looks_like_expression(text: &str) -> bool {
    let lower = text
        .trim_start_matches(|c: char| c == '(' || c.is_whitespace())
        .to_ascii_lowercase();
    let field = [
        "metrics.",
        "metric.",
        "params.",
        "param.",
        "tags.",
        "tag.",
        "attributes.",
        "attr.",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
        || Attribute::ALL.iter().any(|a| {
            lower
                .strip_prefix(a.name())
                .is_some_and(|rest| rest.starts_with([' ', '=', '<', '>', '!']))
        });
    let compares = lower.contains(['=', '<', '>'])
        || lower.contains(" like ")
        || lower.contains(" ilike ")
        || lower.contains(" in ");
    field && compares
}

/// How deep parentheses may nest: deeper is refused, not a stack overflow.
const MAX_NESTING: usize = 32;

/// Parses a filter. Empty or blank input is no conditions.
///
/// `and` binds tighter than `or`; parentheses group:
/// `status = 'failed' or (metrics.rmse < 1 and params.lr = '0.1')`.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    let mut p = Parser::new(input);
    p.skip_ws();
    if p.at_end() {
        return Ok(Filter::default());
    }
    let alternatives = p.disjunction(0)?;
    if let Some(c) = p.peek() {
        let message = if c == ')' {
            "')' without a matching '('".to_string()
        } else {
            format!("unexpected {} after the comparison", show_char(c))
        };
        return Err(p.error_here(message));
    }
    Ok(Filter::any_of(alternatives))
}

/// Parses a comma-separated order-by list: `metrics.rmse`,
/// `metrics.rmse DESC`, `params.lr ASC`, `attributes.start_time DESC`, `id`.
/// Empty or blank input is no keys.
pub fn parse_order_by(input: &str) -> Result<Vec<OrderBy>, FilterError> {
    let mut p = Parser::new(input);
    let mut keys = Vec::new();
    p.skip_ws();
    if p.at_end() {
        return Ok(keys);
    }
    loop {
        p.skip_ws();
        if p.at_end() || p.peek() == Some(',') {
            let message = if keys.is_empty() {
                "expected a field to order by"
            } else {
                "expected a field to order by after ','"
            };
            return Err(p.error_here(message));
        }
        let (field, _) = p.field()?;
        p.skip_ws();
        let mut descending = false;
        let at = p.pos;
        let word = p.word();
        if !word.is_empty() {
            match word.to_ascii_uppercase().as_str() {
                "ASC" => {}
                "DESC" => descending = true,
                _ => {
                    return Err(FilterError::new(
                        at,
                        format!(
                            "expected ASC, DESC, ',' or the end, found '{}'",
                            show(&word)
                        ),
                    ));
                }
            }
            p.skip_ws();
        }
        keys.push(OrderBy { field, descending });
        match p.peek() {
            None => return Ok(keys),
            Some(',') => p.pos += 1,
            Some(c) => {
                let message = if word.is_empty() {
                    format!("expected ASC, DESC, ',' or the end, found {}", show_char(c))
                } else {
                    format!("expected ',' or the end, found {}", show_char(c))
                };
                return Err(p.error_here(message));
            }
        }
    }
}

/// What a field's values are, for checking operators and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Metric,
    Param,
    Tag,
    Name,
    Recipe,
    Model,
    Experiment,
    Status,
    RunType,
    Id,
    Time,
}

impl Kind {
    fn of(field: &Field) -> Kind {
        match field {
            Field::Metric(_) => Kind::Metric,
            Field::Param(_) => Kind::Param,
            Field::Tag(_) => Kind::Tag,
            Field::Attribute(a) => match a {
                Attribute::Id => Kind::Id,
                Attribute::Status => Kind::Status,
                Attribute::RunType => Kind::RunType,
                Attribute::Name => Kind::Name,
                Attribute::Recipe => Kind::Recipe,
                Attribute::Model => Kind::Model,
                Attribute::Experiment => Kind::Experiment,
                Attribute::Created | Attribute::Started | Attribute::Finished => Kind::Time,
            },
        }
    }

    fn is_text(self) -> bool {
        !matches!(self, Kind::Metric | Kind::Id | Kind::Time)
    }

    /// Plural noun for "doesn't apply to ...".
    fn noun(self) -> &'static str {
        match self {
            Kind::Metric => "metrics",
            Kind::Param => "params",
            Kind::Tag => "tags",
            Kind::Name => "run names",
            Kind::Recipe => "recipe names",
            Kind::Model => "model names",
            Kind::Experiment => "experiment names",
            Kind::Status => "statuses",
            Kind::RunType => "run types",
            Kind::Id => "run ids",
            Kind::Time => "times",
        }
    }

    /// Subject of "... are strings: quote it".
    fn text_subject(self) -> &'static str {
        match self {
            Kind::Param => "params values",
            Kind::Tag => "tag values",
            Kind::Name => "run names",
            Kind::Recipe => "recipe names",
            Kind::Model => "model names",
            Kind::Experiment => "experiment names",
            Kind::Status => "status values",
            Kind::RunType => "run types",
            _ => "values",
        }
    }

    fn allows(self, op: Op) -> bool {
        match self {
            Kind::Metric | Kind::Time => {
                matches!(op, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge)
            }
            Kind::Id => !matches!(op, Op::Like | Op::ILike),
            _ => matches!(
                op,
                Op::Eq | Op::Ne | Op::Like | Op::ILike | Op::In | Op::NotIn
            ),
        }
    }

    fn allowed_list(self) -> &'static str {
        match self {
            Kind::Metric | Kind::Time => "=, !=, <, <=, > or >=",
            Kind::Id => "=, !=, <, <=, >, >=, IN or NOT IN",
            _ => "=, !=, LIKE, ILIKE, IN or NOT IN",
        }
    }
}

/// A value as written, before it is checked against its field.
enum Lexeme {
    Str(String),
    Num(f64, String),
    Word(String),
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

/// Characters allowed in keys (spaces too, when the key is quoted).
fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_op_char(c: char) -> bool {
    matches!(c, '=' | '!' | '<' | '>')
}

/// Where an unquoted key ends.
fn ends_key(c: char) -> bool {
    c.is_whitespace() || is_op_char(c) || matches!(c, ',' | '(' | ')')
}

/// Where an unquoted value (number or stray word) ends.
fn ends_value(c: char) -> bool {
    ends_key(c) || matches!(c, '\'' | '"' | '`')
}

/// User text for a one-line message: controls escaped, long text cut.
fn show(s: &str) -> String {
    text::truncate(&text::sanitize(s), 40)
}

fn show_char(c: char) -> String {
    match c {
        '\'' => "\"'\"".to_string(),
        c if c.is_whitespace() || text::is_terminal_unsafe(c) => {
            format!("'{}'", c.escape_unicode())
        }
        c => format!("'{c}'"),
    }
}

const KNOWN_ATTRIBUTES: &str = "id (run_id), status, type (run_type), name (run_name), recipe, \
     model, created, started (start_time), finished (end_time)";

const FIELD_EXAMPLES: &str = "metrics.rmse, params.lr, tags.team or status";

impl Parser {
    fn new(input: &str) -> Self {
        Parser {
            chars: input.chars().collect(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn error_here(&self, message: impl Into<String>) -> FilterError {
        FilterError::new(self.pos, message)
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.chars[from..to].iter().collect()
    }

    /// Letters, digits and underscores; empty if none.
    fn word(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(is_word_char) {
            self.pos += 1;
        }
        self.text(start, self.pos)
    }

    /// Alternatives joined by `or`, up to the end or a `)`.
    fn disjunction(&mut self, depth: usize) -> Result<Vec<Filter>, FilterError> {
        let mut alternatives = vec![self.conjunction(depth)?];
        loop {
            let at = self.pos;
            if !self.word().eq_ignore_ascii_case("or") {
                self.pos = at;
                return Ok(alternatives);
            }
            self.skip_ws();
            if self.at_end() {
                return Err(self.error_here("expected a comparison after 'or'"));
            }
            alternatives.push(self.conjunction(depth)?);
        }
    }

    /// Terms joined by `and`, up to the end, a `)` or an `or`.
    fn conjunction(&mut self, depth: usize) -> Result<Filter, FilterError> {
        let mut all = Filter::default();
        loop {
            self.skip_ws();
            self.term(depth, &mut all)?;
            self.skip_ws();
            if self.at_end() || self.peek() == Some(')') {
                return Ok(all);
            }
            let at = self.pos;
            let word = self.word();
            match word.to_ascii_lowercase().as_str() {
                "and" => {
                    self.skip_ws();
                    if self.at_end() {
                        return Err(self.error_here("expected a comparison after 'and'"));
                    }
                }
                "or" => {
                    self.pos = at;
                    return Ok(all);
                }
                "" => {
                    let c = self.chars[at];
                    let end = if depth > 0 {
                        "')'"
                    } else {
                        "the end of the filter"
                    };
                    return Err(FilterError::new(
                        at,
                        format!(
                            "unexpected {} after the comparison: expected 'and', 'or' or {end}",
                            show_char(c)
                        ),
                    ));
                }
                _ => {
                    return Err(FilterError::new(
                        at,
                        format!(
                            "expected 'and' or 'or' between comparisons, found '{}'",
                            show(&word)
                        ),
                    ));
                }
            }
        }
    }

    /// A comparison, or a group in parentheses, added to `into`.
    fn term(&mut self, depth: usize, into: &mut Filter) -> Result<(), FilterError> {
        if self.peek() != Some('(') {
            into.conditions.push(self.comparison()?);
            return Ok(());
        }
        let open = self.pos;
        if depth >= MAX_NESTING {
            return Err(self.error_here(format!("parentheses nest deeper than {MAX_NESTING}")));
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(')') {
            return Err(self.error_here("empty parentheses: expected a comparison"));
        }
        let alternatives = self.disjunction(depth + 1)?;
        self.skip_ws();
        if self.peek() != Some(')') {
            return Err(FilterError::new(open, "unclosed '(': no matching ')'"));
        }
        self.pos += 1;
        into.and(Filter::any_of(alternatives));
        Ok(())
    }

    fn comparison(&mut self) -> Result<Condition, FilterError> {
        let (field, written) = self.field()?;
        let kind = Kind::of(&field);
        self.skip_ws();
        let op_at = self.pos;
        let op = self.op(&written)?;
        if !kind.allows(op) {
            return Err(FilterError::new(
                op_at,
                format!(
                    "{} doesn't apply to {}; use {}",
                    op.as_str(),
                    kind.noun(),
                    kind.allowed_list()
                ),
            ));
        }
        self.skip_ws();
        let value = if matches!(op, Op::In | Op::NotIn) {
            self.list(kind, op)?
        } else {
            if self.peek() == Some('(') {
                return Err(self.error_here(format!(
                    "a list of values goes with IN or NOT IN, not {}",
                    op.as_str()
                )));
            }
            let at = self.pos;
            let lexeme = self.lexeme(&format!("expected a value after '{}'", op.as_str()))?;
            typed(kind, op, lexeme, at)?
        };
        Ok(Condition { field, op, value })
    }

    /// A field and its text as written (for messages).
    fn field(&mut self) -> Result<(Field, String), FilterError> {
        let start = self.pos;
        let Some(first) = self.peek() else {
            return Err(self.error_here(format!("expected a field like {FIELD_EXAMPLES}")));
        };
        if !is_word_char(first) {
            let hint = if matches!(first, '`' | '"') {
                "; quoted keys follow a prefix, e.g. metrics.`val loss`"
            } else {
                ""
            };
            return Err(self.error_here(format!(
                "expected a field like {FIELD_EXAMPLES}, found {}{hint}",
                show_char(first)
            )));
        }
        let word = self.word();
        if self.peek() != Some('.') {
            // A bare attribute; take the whole token so `run-id` is named whole.
            while self.peek().is_some_and(|c| !ends_value(c)) {
                self.pos += 1;
            }
            let token = self.text(start, self.pos);
            if matches!(token.to_ascii_lowercase().as_str(), "and" | "or") {
                return Err(FilterError::new(
                    start,
                    format!("'{token}' needs a comparison on each side"),
                ));
            }
            let Some(attribute) = Attribute::from_name(&token) else {
                return Err(FilterError::new(
                    start,
                    format!(
                        "unknown attribute '{}' (metrics, params and tags need a prefix: \
                         metrics.{0}); known attributes: {KNOWN_ATTRIBUTES}",
                        show(&token)
                    ),
                ));
            };
            return Ok((Field::Attribute(attribute), token));
        }
        let prefix = word.to_ascii_lowercase();
        enum Prefix {
            Metric,
            Param,
            Tag,
            Attribute,
        }
        let kind = match prefix.as_str() {
            "metric" | "metrics" => Prefix::Metric,
            "param" | "params" | "parameter" | "parameters" => Prefix::Param,
            "tag" | "tags" => Prefix::Tag,
            "attribute" | "attributes" | "attr" | "run" => Prefix::Attribute,
            _ => {
                return Err(FilterError::new(
                    start,
                    format!(
                        "unknown prefix '{}.': expected metrics., params., tags. or attributes.",
                        show(&word)
                    ),
                ));
            }
        };
        self.pos += 1;
        let key_at = self.pos;
        let key = self.key(&word)?;
        let written = self.text(start, self.pos);
        let field = match kind {
            Prefix::Metric => Field::Metric(key),
            Prefix::Param => Field::Param(key),
            Prefix::Tag if key == "mlflow.runName" => Field::Attribute(Attribute::Name),
            Prefix::Tag => Field::Tag(key),
            Prefix::Attribute => match Attribute::from_name(&key) {
                Some(a) => Field::Attribute(a),
                None => {
                    return Err(FilterError::new(
                        key_at,
                        format!(
                            "unknown attribute '{}'; known attributes: {KNOWN_ATTRIBUTES}",
                            show(&key)
                        ),
                    ));
                }
            },
        };
        Ok((field, written))
    }

    /// A key after `prefix.`: quoted with backticks or double quotes, or
    /// running to whitespace, an operator, a comma or a parenthesis.
    fn key(&mut self, prefix: &str) -> Result<String, FilterError> {
        let invalid = |at: usize, c: char, quoted: bool| {
            let spaces = if quoted {
                ""
            } else {
                " (spaces only in quoted keys)"
            };
            FilterError::new(
                at,
                format!(
                    "{} can't be in a key: keys hold letters, digits and _ - . / :{spaces}",
                    show_char(c)
                ),
            )
        };
        match self.peek() {
            Some(q @ ('`' | '"')) => {
                let open = self.pos;
                if !self.chars[open + 1..].contains(&q) {
                    return Err(FilterError::new(
                        open,
                        format!("unterminated key: no closing {q}"),
                    ));
                }
                self.pos += 1;
                let start = self.pos;
                // The closing quote is there: stop at it.
                while let Some(c) = self.peek().filter(|&c| c != q) {
                    if !is_key_char(c) && c != ' ' {
                        return Err(invalid(self.pos, c, true));
                    }
                    self.pos += 1;
                }
                let key = self.text(start, self.pos);
                self.pos += 1;
                if key.trim().is_empty() {
                    return Err(FilterError::new(open, "empty key"));
                }
                Ok(key)
            }
            _ => {
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if ends_key(c) {
                        break;
                    }
                    if !is_key_char(c) {
                        return Err(invalid(self.pos, c, false));
                    }
                    self.pos += 1;
                }
                if self.pos == start {
                    return Err(
                        self.error_here(format!("expected a key after '{}.'", show(prefix)))
                    );
                }
                Ok(self.text(start, self.pos))
            }
        }
    }

    fn op(&mut self, field: &str) -> Result<Op, FilterError> {
        let at = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.error_here(format!("expected an operator after '{}'", show(field))));
        };
        if is_op_char(c) {
            while self.peek().is_some_and(is_op_char) {
                self.pos += 1;
            }
            let written = self.text(at, self.pos);
            return Ok(match written.as_str() {
                "=" => Op::Eq,
                "!=" => Op::Ne,
                "<" => Op::Lt,
                "<=" => Op::Le,
                ">" => Op::Gt,
                ">=" => Op::Ge,
                "==" => return Err(FilterError::new(at, "unknown operator '=='; use '='")),
                "<>" => return Err(FilterError::new(at, "unknown operator '<>'; use '!='")),
                _ => {
                    return Err(FilterError::new(
                        at,
                        format!(
                            "unknown operator '{written}'; expected =, !=, <, <=, >, >=, \
                             LIKE, ILIKE, IN or NOT IN"
                        ),
                    ));
                }
            });
        }
        let word = if c.is_alphabetic() {
            self.word()
        } else {
            String::new()
        };
        match word.to_ascii_uppercase().as_str() {
            "" => Err(FilterError::new(
                at,
                format!(
                    "expected an operator after '{}', found {}",
                    show(field),
                    show_char(c)
                ),
            )),
            "LIKE" => Ok(Op::Like),
            "ILIKE" => Ok(Op::ILike),
            "IN" => Ok(Op::In),
            "NOT" => {
                self.skip_ws();
                let in_at = self.pos;
                if self.word().eq_ignore_ascii_case("in") {
                    Ok(Op::NotIn)
                } else {
                    Err(FilterError::new(in_at, "expected IN after NOT"))
                }
            }
            _ => Err(FilterError::new(
                at,
                format!(
                    "unknown operator '{}'; expected =, !=, <, <=, >, >=, LIKE, ILIKE, IN or NOT IN",
                    show(&word)
                ),
            )),
        }
    }

    /// `( value, value, ... )` after IN / NOT IN.
    fn list(&mut self, kind: Kind, op: Op) -> Result<Value, FilterError> {
        match self.peek() {
            Some('(') => self.pos += 1,
            None => {
                return Err(self.error_here(format!(
                    "expected '(' after {}, e.g. ('a', 'b')",
                    op.as_str()
                )));
            }
            Some(_) => {
                return Err(self.error_here(format!(
                    "expected a list in parentheses after {}, e.g. ('a', 'b')",
                    op.as_str()
                )));
            }
        }
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if items.is_empty() && self.peek() == Some(')') {
                return Err(self.error_here(format!("empty list: {} needs a value", op.as_str())));
            }
            let at = self.pos;
            let lexeme = self.lexeme("expected a value in the list")?;
            items.push(typed(kind, op, lexeme, at)?);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    return Ok(Value::List(items));
                }
                None => return Err(self.error_here("unterminated list: expected ',' or ')'")),
                Some(c) => {
                    return Err(self.error_here(format!(
                        "expected ',' or ')' in the list, found {}",
                        show_char(c)
                    )));
                }
            }
        }
    }

    /// A quoted string, a number, or a stray word. `missing` is the message
    /// when there is no value at all.
    fn lexeme(&mut self, missing: &str) -> Result<Lexeme, FilterError> {
        let at = self.pos;
        match self.peek() {
            Some(q @ ('\'' | '"')) => {
                self.pos += 1;
                let mut s = String::new();
                loop {
                    match self.peek() {
                        None => {
                            return Err(FilterError::new(
                                at,
                                format!("unterminated string: no closing {q}"),
                            ));
                        }
                        Some(c) if c == q => {
                            self.pos += 1;
                            if self.peek() == Some(q) {
                                s.push(q);
                                self.pos += 1;
                            } else {
                                return Ok(Lexeme::Str(s));
                            }
                        }
                        Some(c) => {
                            s.push(c);
                            self.pos += 1;
                        }
                    }
                }
            }
            Some('`') => Err(self.error_here("backticks quote keys; quote values with '...'")),
            Some(c) if !ends_value(c) => {
                while self.peek().is_some_and(|c| !ends_value(c)) {
                    self.pos += 1;
                }
                let token = self.text(at, self.pos);
                if is_number_literal(&token) {
                    return match token.parse::<f64>() {
                        Ok(n) if n.is_finite() => Ok(Lexeme::Num(n, token)),
                        _ => Err(FilterError::new(
                            at,
                            format!("number out of range: {}", show(&token)),
                        )),
                    };
                }
                let unsigned = token.trim_start_matches(['+', '-']).to_ascii_lowercase();
                if matches!(unsigned.as_str(), "nan" | "inf" | "infinity") {
                    return Err(FilterError::new(
                        at,
                        format!("'{}' can't be compared: use a finite number", show(&token)),
                    ));
                }
                if token.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
                    return Err(FilterError::new(
                        at,
                        format!("malformed number '{}'", show(&token)),
                    ));
                }
                Ok(Lexeme::Word(token))
            }
            _ => Err(self.error_here(missing)),
        }
    }
}

/// `[+-] digits [. digits] [(e|E) [+-] digits]`, with digits on at least one
/// side of the point.
fn is_number_literal(token: &str) -> bool {
    let b = token.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && matches!(b[i], b'+' | b'-') {
        i += 1;
    }
    let mut mantissa = digits(&mut i);
    if i < b.len() && b[i] == b'.' {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        i += 1;
        if i < b.len() && matches!(b[i], b'+' | b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Checks a lexeme against its field and makes the value.
fn typed(kind: Kind, op: Op, lexeme: Lexeme, at: usize) -> Result<Value, FilterError> {
    let err = |message: String| Err(FilterError::new(at, message));
    match kind {
        Kind::Metric => match lexeme {
            Lexeme::Num(n, _) => Ok(Value::Number(n)),
            Lexeme::Str(s) => err(format!(
                "metrics compare with numbers: expected a number, not the string '{}'",
                show(&s)
            )),
            Lexeme::Word(w) => err(format!(
                "metrics compare with numbers: expected a number, found '{}'",
                show(&w)
            )),
        },
        Kind::Id => {
            let whole = |n: f64| n.fract() == 0.0 && n.abs() < 9.0e15;
            match lexeme {
                Lexeme::Num(n, _) if whole(n) => Ok(Value::Number(n)),
                Lexeme::Str(s) => match s.trim().parse::<u64>() {
                    Ok(n) if whole(n as f64) => Ok(Value::Number(n as f64)),
                    _ => err(format!("run ids are whole numbers, not '{}'", show(&s))),
                },
                Lexeme::Num(_, w) | Lexeme::Word(w) => {
                    err(format!("run ids are whole numbers, not '{}'", show(&w)))
                }
            }
        }
        Kind::Time => match lexeme {
            Lexeme::Num(ms, raw) => epoch_millis(ms)
                .map(Value::Time)
                .ok_or_else(|| FilterError::new(at, format!("time out of range: {}", show(&raw)))),
            Lexeme::Str(s) => parse_time(&s).map(Value::Time).ok_or_else(|| {
                FilterError::new(
                    at,
                    format!(
                        "expected a date like '2024-05-01' or RFC 3339 like \
                         '2024-05-01T12:00:00Z', not '{}'",
                        show(&s)
                    ),
                )
            }),
            Lexeme::Word(w) => err(format!(
                "expected a time: epoch milliseconds (1714521600000) or a quoted date \
                 ('2024-05-01'), found '{}'",
                show(&w)
            )),
        },
        _ => {
            debug_assert!(kind.is_text());
            let s = match lexeme {
                Lexeme::Str(s) => s,
                Lexeme::Num(_, w) | Lexeme::Word(w) => {
                    return err(format!(
                        "{} are strings: quote it, '{}'",
                        kind.text_subject(),
                        show(&w)
                    ));
                }
            };
            if matches!(op, Op::Like | Op::ILike) {
                return Ok(Value::Text(s));
            }
            match kind {
                Kind::Status => match RunStatus::from_filter_word(&s) {
                    Some(status) => Ok(Value::Text(status.as_str().to_string())),
                    None => err(format!(
                        "unknown status '{}'; valid: {} (or MLflow's {})",
                        show(&s),
                        STATUSES.join(", "),
                        RunStatus::ALL
                            .iter()
                            .map(|s| s.mlflow_name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                },
                Kind::RunType => match RunType::from_filter_word(&s) {
                    Some(t) => Ok(Value::Text(t.as_str().to_string())),
                    None => err(format!(
                        "unknown run type '{}'; valid: {}",
                        show(&s),
                        RUN_TYPES.join(", ")
                    )),
                },
                _ => Ok(Value::Text(s)),
            }
        }
    }
}

/// Epoch milliseconds, as MLflow sends times; fractions kept to the
/// microsecond.
fn epoch_millis(ms: f64) -> Option<DateTime<Utc>> {
    if ms.is_nan() || ms.abs() >= 8.0e15 {
        return None;
    }
    DateTime::from_timestamp_micros((ms * 1000.0).round() as i64)
}

/// RFC 3339, or a `YYYY-MM-DD` date at midnight UTC.
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
}

// Display: the canonical text of a filter, which parses back to the same AST.

fn fmt_key(f: &mut fmt::Formatter<'_>, key: &str) -> fmt::Result {
    if !key.is_empty() && key.chars().all(is_key_char) {
        f.write_str(key)
    } else if key.contains('`') {
        write!(f, "\"{key}\"")
    } else {
        write!(f, "`{key}`")
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Metric(k) => {
                f.write_str("metrics.")?;
                fmt_key(f, k)
            }
            Field::Param(k) => {
                f.write_str("params.")?;
                fmt_key(f, k)
            }
            Field::Tag(k) => {
                f.write_str("tags.")?;
                fmt_key(f, k)
            }
            Field::Attribute(a) => write!(f, "{a}"),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n}"),
            Value::Text(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Value::Time(t) => write!(f, "'{}'", t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            Value::List(items) => {
                f.write_str("(")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.field, self.op, self.value)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut terms: Vec<String> = self.conditions.iter().map(|c| c.to_string()).collect();
        for alternatives in &self.any_of {
            let shown: Vec<String> = alternatives.iter().map(|a| a.to_string()).collect();
            terms.push(format!("({})", shown.join(" or ")));
        }
        f.write_str(&terms.join(" and "))
    }
}

impl fmt::Display for OrderBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.field,
            if self.descending { "DESC" } else { "ASC" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metric_column_follows_the_search() {
        assert_eq!(
            first_metric("params.lr = '0.1' and metrics.rmse < 1").as_deref(),
            Some("rmse")
        );
        assert_eq!(
            first_metric("metrics.rmse < 1 order by metrics.mae").as_deref(),
            Some("mae")
        );
        assert_eq!(first_metric("pricing"), None);
    }

    #[test]
    fn a_search_that_opens_a_group_is_an_expression() {
        assert!(looks_like_expression(
            "(metrics.rmse < 1 or status = 'failed')"
        ));
        assert!(looks_like_expression(" ( status = 'failed' or id = 1)"));
        assert!(!looks_like_expression("(draft) pricing"));
    }

    #[test]
    fn a_search_splits_at_its_order_by() {
        assert_eq!(
            split_order_by("metrics.rmse < 1 ORDER BY metrics.rmse desc"),
            ("metrics.rmse < 1", Some("metrics.rmse desc"))
        );
        assert_eq!(
            split_order_by("order by params.lr"),
            ("", Some("params.lr"))
        );
        assert_eq!(
            split_order_by("tags.x = 'reorder by'"),
            ("tags.x = 'reorder by'", None)
        );
        assert!(!sorts("pricing"));
    }

    #[test]
    fn search_text_is_an_expression_only_when_it_compares_a_field() {
        for yes in [
            "metrics.rmse < 0.5",
            "params.lr = '0.01'",
            "status = 'failed'",
            "tags.team like 'a%'",
            "Metrics.x>1",
        ] {
            assert!(looks_like_expression(yes), "{yes}");
        }
        for no in [
            "pricing",
            "metrics",
            "status",
            "lr 0.01",
            "retail-pricing model",
            "",
        ] {
            assert!(!looks_like_expression(no), "{no}");
        }
    }
    use chrono::TimeZone;

    fn metric(k: &str) -> Field {
        Field::Metric(k.to_string())
    }
    fn param(k: &str) -> Field {
        Field::Param(k.to_string())
    }
    fn tag(k: &str) -> Field {
        Field::Tag(k.to_string())
    }
    fn attr(a: Attribute) -> Field {
        Field::Attribute(a)
    }
    fn num(n: f64) -> Value {
        Value::Number(n)
    }
    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }
    fn texts(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| text(s)).collect())
    }
    fn cond(field: Field, op: Op, value: Value) -> Condition {
        Condition { field, op, value }
    }

    /// The single condition `input` parses to.
    fn one(input: &str) -> Condition {
        let f = parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(f.conditions.len(), 1, "{input:?}");
        f.conditions.into_iter().next().unwrap()
    }

    fn err(input: &str) -> FilterError {
        match parse(input) {
            Ok(f) => panic!("{input:?} parsed: {f:?}"),
            Err(e) => e,
        }
    }

    /// Asserts the error's column and that its message contains `part`.
    #[track_caller]
    fn fails(input: &str, column: usize, part: &str) {
        let e = err(input);
        assert_eq!(e.column, column, "{input:?}: {e}");
        assert!(e.message.contains(part), "{input:?}: {e} lacks {part:?}");
    }

    #[track_caller]
    fn order_fails(input: &str, column: usize, part: &str) {
        let e = parse_order_by(input).expect_err(input);
        assert_eq!(e.column, column, "{input:?}: {e}");
        assert!(e.message.contains(part), "{input:?}: {e} lacks {part:?}");
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, mi, s).unwrap()
    }

    // ---- accepted forms ----

    #[test]
    fn empty_and_blank_filters_have_no_conditions() {
        for input in ["", " ", "  \t\n "] {
            assert_eq!(parse(input).unwrap(), Filter::default());
        }
    }

    #[test]
    fn the_cli_example() {
        let f = parse(
            "metrics.rmse < 0.5 and params.lr = '0.01' and status = 'succeeded' and tags.team = 'x'",
        )
        .unwrap();
        assert_eq!(
            f.conditions,
            vec![
                cond(metric("rmse"), Op::Lt, num(0.5)),
                cond(param("lr"), Op::Eq, text("0.01")),
                cond(attr(Attribute::Status), Op::Eq, text("succeeded")),
                cond(tag("team"), Op::Eq, text("x")),
            ]
        );
    }

    #[test]
    fn mlflow_client_filters() {
        assert_eq!(
            one("attributes.status = 'FINISHED'"),
            cond(attr(Attribute::Status), Op::Eq, text("succeeded"))
        );
        assert_eq!(
            one("tags.mlflow.runName = 'x'"),
            cond(attr(Attribute::Name), Op::Eq, text("x"))
        );
        assert_eq!(
            one("tags.\"mlflow.runName\" LIKE 'x%'"),
            cond(attr(Attribute::Name), Op::Like, text("x%"))
        );
        assert_eq!(
            one("metrics.loss <= 1e-3"),
            cond(metric("loss"), Op::Le, num(1e-3))
        );
        assert_eq!(
            one("params.`my-param` != 'a'"),
            cond(param("my-param"), Op::Ne, text("a"))
        );
        assert_eq!(
            parse("metrics.rmse < 1 and params.model_class = 'LogisticRegression'")
                .unwrap()
                .conditions,
            vec![
                cond(metric("rmse"), Op::Lt, num(1.0)),
                cond(param("model_class"), Op::Eq, text("LogisticRegression")),
            ]
        );
        assert_eq!(
            one("attributes.run_name = 'my-run'"),
            cond(attr(Attribute::Name), Op::Eq, text("my-run"))
        );
        assert_eq!(
            one("tags.`mlflow.source.type` = 'LOCAL'"),
            cond(tag("mlflow.source.type"), Op::Eq, text("LOCAL"))
        );
        assert_eq!(
            one("tags.\"mlflow.user\" ILIKE '%alice%'"),
            cond(tag("mlflow.user"), Op::ILike, text("%alice%"))
        );
        assert_eq!(
            one("metrics.\"test accuracy\" > 0.9"),
            cond(metric("test accuracy"), Op::Gt, num(0.9))
        );
        assert_eq!(
            one("attributes.start_time >= 1664067852747"),
            cond(
                attr(Attribute::Started),
                Op::Ge,
                Value::Time(DateTime::from_timestamp_millis(1664067852747).unwrap())
            )
        );
        assert_eq!(
            one("attributes.run_id IN ('1', '22')"),
            cond(
                attr(Attribute::Id),
                Op::In,
                Value::List(vec![num(1.0), num(22.0)])
            )
        );
        assert_eq!(
            parse("metrics.acc > 0.9 and attributes.status != 'KILLED'")
                .unwrap()
                .conditions,
            vec![
                cond(metric("acc"), Op::Gt, num(0.9)),
                cond(attr(Attribute::Status), Op::Ne, text("cancelled")),
            ]
        );
        assert_eq!(
            one("params.alpha = \"0.5\""),
            cond(param("alpha"), Op::Eq, text("0.5"))
        );
    }

    #[test]
    fn and_is_case_insensitive() {
        let f =
            parse("metrics.a > 1 AND metrics.b < 2 aNd metrics.c = 3 and metrics.d != 4").unwrap();
        assert_eq!(
            f.conditions,
            vec![
                cond(metric("a"), Op::Gt, num(1.0)),
                cond(metric("b"), Op::Lt, num(2.0)),
                cond(metric("c"), Op::Eq, num(3.0)),
                cond(metric("d"), Op::Ne, num(4.0)),
            ]
        );
    }

    #[test]
    fn whitespace_is_free_and_optional_around_operators() {
        let expected = [
            cond(metric("a"), Op::Ge, num(-150.0)),
            cond(param("x"), Op::Eq, text("y")),
        ];
        for input in [
            "  metrics.a   >=\t-1.5e+2   and\nparams.x='y'  ",
            "metrics.a>=-1.5e+2 and params.x='y'",
            "metrics.a >= -150 AND params.x = 'y'",
            "metrics.a>=-150 and params.x='y'and metrics.a>=-150",
        ] {
            let got = parse(input).unwrap().conditions;
            assert_eq!(&got[..2], &expected[..], "{input:?}");
        }
        assert_eq!(
            one("metrics.rmse<0.5"),
            cond(metric("rmse"), Op::Lt, num(0.5))
        );
    }

    #[test]
    fn quoted_keys() {
        assert_eq!(
            one("metrics.`val loss` < 1"),
            cond(metric("val loss"), Op::Lt, num(1.0))
        );
        assert_eq!(
            one("params.\"batch size\" = '32'"),
            cond(param("batch size"), Op::Eq, text("32"))
        );
        assert_eq!(
            one("tags.`a/b:c-d.e_f` = 'x'"),
            cond(tag("a/b:c-d.e_f"), Op::Eq, text("x"))
        );
        assert_eq!(
            one("metrics.`val loss`<1"),
            cond(metric("val loss"), Op::Lt, num(1.0))
        );
        assert_eq!(
            one("attributes.`start_time` > 0"),
            cond(
                attr(Attribute::Started),
                Op::Gt,
                Value::Time(utc(1970, 1, 1, 0, 0, 0))
            )
        );
    }

    #[test]
    fn unquoted_keys_take_dots_slashes_colons_and_unicode() {
        assert_eq!(
            one("metrics.val/loss:avg < 1"),
            cond(metric("val/loss:avg"), Op::Lt, num(1.0))
        );
        assert_eq!(
            one("tags.mlflow.user = 'x'"),
            cond(tag("mlflow.user"), Op::Eq, text("x"))
        );
        assert_eq!(
            one("metrics.précision > 0.5"),
            cond(metric("précision"), Op::Gt, num(0.5))
        );
        assert_eq!(
            one("params.a-b = 'x'"),
            cond(param("a-b"), Op::Eq, text("x"))
        );
        // Keys are case-sensitive; prefixes aren't.
        assert_eq!(
            one("METRICS.RMSE < 1"),
            cond(metric("RMSE"), Op::Lt, num(1.0))
        );
    }

    #[test]
    fn prefix_aliases() {
        for (prefix, make) in [
            ("metric", metric as fn(&str) -> Field),
            ("metrics", metric),
            ("param", param),
            ("params", param),
            ("parameter", param),
            ("parameters", param),
            ("Params", param),
            ("tag", tag),
            ("tags", tag),
        ] {
            let value = if prefix.starts_with('m') { "1" } else { "'1'" };
            let c = one(&format!("{prefix}.k = {value}"));
            assert_eq!(c.field, make("k"), "{prefix}");
        }
        for prefix in ["attributes", "attribute", "attr", "run", "ATTRIBUTES"] {
            assert_eq!(
                one(&format!("{prefix}.status = 'running'")).field,
                attr(Attribute::Status),
                "{prefix}"
            );
        }
    }

    #[test]
    fn attribute_names_and_aliases() {
        let cases: &[(&str, Attribute, &str)] = &[
            ("id", Attribute::Id, "1"),
            ("run_id", Attribute::Id, "1"),
            ("ID", Attribute::Id, "1"),
            ("status", Attribute::Status, "'queued'"),
            ("Status", Attribute::Status, "'queued'"),
            ("type", Attribute::RunType, "'train'"),
            ("run_type", Attribute::RunType, "'train'"),
            ("name", Attribute::Name, "'x'"),
            ("run_name", Attribute::Name, "'x'"),
            ("recipe", Attribute::Recipe, "'x'"),
            ("model", Attribute::Model, "'x'"),
            ("created", Attribute::Created, "0"),
            ("started", Attribute::Started, "0"),
            ("start_time", Attribute::Started, "0"),
            ("finished", Attribute::Finished, "0"),
            ("end_time", Attribute::Finished, "0"),
        ];
        for (name, attribute, value) in cases {
            for input in [
                format!("{name} = {value}"),
                format!("attributes.{name} = {value}"),
            ] {
                assert_eq!(one(&input).field, attr(*attribute), "{input}");
            }
        }
    }

    #[test]
    fn statuses_normalize_to_nexml_names() {
        for (written, status) in [
            ("queued", "queued"),
            ("running", "running"),
            ("succeeded", "succeeded"),
            ("failed", "failed"),
            ("cancelled", "cancelled"),
            ("RUNNING", "running"),
            ("SCHEDULED", "queued"),
            ("FINISHED", "succeeded"),
            ("FAILED", "failed"),
            ("KILLED", "cancelled"),
            ("Succeeded", "succeeded"),
            ("canceled", "cancelled"),
        ] {
            assert_eq!(
                one(&format!("status = '{written}'")).value,
                text(status),
                "{written}"
            );
        }
        assert_eq!(
            one("status IN ('FINISHED', 'failed')").value,
            texts(&["succeeded", "failed"])
        );
        assert_eq!(
            one("status NOT IN ('KILLED')"),
            cond(attr(Attribute::Status), Op::NotIn, texts(&["cancelled"]))
        );
        // Patterns are kept as written.
        assert_eq!(one("status LIKE 'RUN%'").value, text("RUN%"));
        assert_eq!(one("status ILIKE 'succ%'").value, text("succ%"));
    }

    #[test]
    fn run_types_are_validated_and_lower_cased() {
        assert_eq!(one("type = 'train'").value, text("train"));
        assert_eq!(one("run_type != 'EVAL'").value, text("eval"));
        assert_eq!(
            one("type IN ('backtest', 'train')").value,
            texts(&["backtest", "train"])
        );
        assert_eq!(one("type LIKE 'b%'").value, text("b%"));
    }

    #[test]
    fn ids() {
        assert_eq!(one("id = 5"), cond(attr(Attribute::Id), Op::Eq, num(5.0)));
        assert_eq!(one("id >= 10").op, Op::Ge);
        assert_eq!(one("run_id = '42'").value, num(42.0));
        assert_eq!(
            one("id NOT IN (1, 2, '3')").value,
            Value::List(vec![num(1.0), num(2.0), num(3.0)])
        );
    }

    #[test]
    fn times() {
        assert_eq!(
            one("created > '2024-05-01'"),
            cond(
                attr(Attribute::Created),
                Op::Gt,
                Value::Time(utc(2024, 5, 1, 0, 0, 0))
            )
        );
        assert_eq!(
            one("finished < '2024-05-01T12:30:00+02:00'").value,
            Value::Time(utc(2024, 5, 1, 10, 30, 0))
        );
        assert_eq!(
            one("end_time <= \"2024-05-01T12:30:00Z\"").value,
            Value::Time(utc(2024, 5, 1, 12, 30, 0))
        );
        assert_eq!(
            one("started >= 1714521600000").value,
            Value::Time(utc(2024, 5, 1, 0, 0, 0))
        );
        assert_eq!(
            one("started >= 1714521600000.5").value,
            Value::Time(utc(2024, 5, 1, 0, 0, 0) + chrono::Duration::microseconds(500))
        );
        assert_eq!(one("created != 0").op, Op::Ne);
    }

    #[test]
    fn string_operators() {
        assert_eq!(
            one("params.opt LIKE 'ad%'"),
            cond(param("opt"), Op::Like, text("ad%"))
        );
        assert_eq!(
            one("tags.team ilike '_x%'"),
            cond(tag("team"), Op::ILike, text("_x%"))
        );
        assert_eq!(
            one("params.opt in ('adam', 'sgd')"),
            cond(param("opt"), Op::In, texts(&["adam", "sgd"]))
        );
        assert_eq!(
            one("params.opt NOT   IN('adam')"),
            cond(param("opt"), Op::NotIn, texts(&["adam"]))
        );
        assert_eq!(
            one("tags.t not in ( 'a' ,\"b\" )").value,
            texts(&["a", "b"])
        );
        assert_eq!(one("name = 'x'").field, attr(Attribute::Name));
        assert_eq!(one("recipe IN ('hotels')").value, texts(&["hotels"]));
        assert_eq!(one("model != 'fc'").value, text("fc"));
    }

    #[test]
    fn string_escapes() {
        assert_eq!(one("params.x = 'it''s'").value, text("it's"));
        assert_eq!(
            one("params.x = \"say \"\"hi\"\"\"").value,
            text("say \"hi\"")
        );
        assert_eq!(one("params.x = \"it's\"").value, text("it's"));
        assert_eq!(one("params.x = ''").value, text(""));
        assert_eq!(one("params.x = 'a and b = c'").value, text("a and b = c"));
    }

    #[test]
    fn number_forms() {
        for (written, n) in [
            ("1", 1.0),
            ("+1", 1.0),
            ("-2", -2.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("1E3", 1000.0),
            ("1e+3", 1000.0),
            ("-1.5e-2", -0.015),
            ("0", 0.0),
        ] {
            assert_eq!(
                one(&format!("metrics.m = {written}")).value,
                num(n),
                "{written}"
            );
        }
    }

    // ---- errors ----

    #[test]
    fn unexpected_end() {
        let e = err("metrics.rmse <   ");
        assert_eq!(e.to_string(), "column 18: expected a value after '<'");
        fails("metrics.rmse <", 15, "expected a value after '<'");
        fails("metrics.a", 10, "expected an operator after 'metrics.a'");
        fails("metrics.a   ", 13, "expected an operator after 'metrics.a'");
        fails(
            "metrics.a < 1 and ",
            19,
            "expected a comparison after 'and'",
        );
        fails("params.a NOT", 13, "expected IN after NOT");
        fails("params.a = ", 12, "expected a value after '='");
        fails("params.a IN", 12, "expected '(' after IN");
        fails("params.a IN ('x'", 17, "unterminated list");
        fails("params.a IN ('x',", 18, "expected a value in the list");
        fails("metrics.", 9, "expected a key after 'metrics.'");
    }

    #[test]
    fn or_binds_looser_than_and_and_parentheses_group() {
        let c = |text: &str| one(text);
        let f = parse("metrics.a < 1 or metrics.b < 2 and status = 'failed'").unwrap();
        assert_eq!(
            f,
            Filter::any_of(vec![
                Filter::all_of(vec![c("metrics.a < 1")]),
                Filter::all_of(vec![c("metrics.b < 2"), c("status = 'failed'")]),
            ])
        );
        let f = parse("(metrics.a < 1 OR metrics.b < 2) AND status = 'failed'").unwrap();
        assert_eq!(f.conditions, vec![c("status = 'failed'")]);
        assert_eq!(
            f.any_of,
            vec![vec![
                Filter::all_of(vec![c("metrics.a < 1")]),
                Filter::all_of(vec![c("metrics.b < 2")]),
            ]]
        );
        // Parentheses around one alternative add nothing.
        assert_eq!(
            parse("((metrics.a < 1)) and (params.x IN ('a', 'b'))").unwrap(),
            Filter::all_of(vec![c("metrics.a < 1"), c("params.x IN ('a', 'b')")])
        );
    }

    #[test]
    fn a_filter_holds_as_its_groups_say() {
        let f =
            parse("status = 'failed' and (metrics.a < 1 or (metrics.b < 2 and id = 3))").unwrap();
        let holds = |true_ones: &[&str]| {
            f.holds(&|c: &Condition| true_ones.contains(&c.to_string().as_str()))
        };
        assert!(holds(&["status = 'failed'", "metrics.a < 1"]));
        assert!(holds(&["status = 'failed'", "metrics.b < 2", "id = 3"]));
        assert!(!holds(&["status = 'failed'", "metrics.b < 2"]));
        assert!(!holds(&["metrics.a < 1"]));
        assert_eq!(f.every_condition().len(), 4);
    }

    #[test]
    fn unbalanced_or_empty_groups_point_at_the_mistake() {
        fails("(metrics.a < 1", 1, "unclosed '(': no matching ')'");
        fails(
            "metrics.a < 1 and (metrics.b < 2 or id = 1",
            19,
            "unclosed '('",
        );
        fails("metrics.a < 1)", 14, "')' without a matching '('");
        fails("metrics.a < 1 and ()", 20, "empty parentheses");
        fails("metrics.a < 1 or ", 18, "expected a comparison after 'or'");
        fails(
            "metrics.a < 1 or or id = 1",
            18,
            "'or' needs a comparison on each side",
        );
        fails(
            "(metrics.a < 1 id = 1)",
            16,
            "expected 'and' or 'or' between comparisons",
        );
        fails("(metrics.a < 1 ;", 16, "expected 'and', 'or' or ')'");
        let deep = format!("{}metrics.a < 1{}", "(".repeat(40), ")".repeat(40));
        fails(&deep, 33, "parentheses nest deeper than 32");
    }

    #[test]
    fn unterminated_strings_and_keys_point_at_the_opening_quote() {
        fails("params.lr = '0.01", 13, "unterminated string: no closing '");
        fails(
            "params.lr = \"0.01",
            13,
            "unterminated string: no closing \"",
        );
        fails("params.lr = 'it''s", 13, "unterminated string");
        fails("metrics.`val loss < 1", 9, "unterminated key: no closing `");
        fails("metrics.\"val loss < 1", 9, "unterminated key");
    }

    #[test]
    fn unknown_operators() {
        fails("metrics.a == 1", 11, "unknown operator '=='; use '='");
        fails("metrics.a <> 1", 11, "unknown operator '<>'; use '!='");
        fails("metrics.a => 1", 11, "unknown operator '=>'");
        fails("metrics.a lt 1", 11, "unknown operator 'lt'");
        fails("metrics.a ! 1", 11, "unknown operator '!'");
        fails(
            "metrics.a 0.5",
            11,
            "expected an operator after 'metrics.a'",
        );
        fails("status 'x'", 8, "expected an operator after 'status'");
        fails("params.a NOT LIKE 'x'", 14, "expected IN after NOT");
    }

    #[test]
    fn operators_must_suit_the_field() {
        fails("metrics.a LIKE '1%'", 11, "LIKE doesn't apply to metrics");
        fails("metrics.a IN (1, 2)", 11, "IN doesn't apply to metrics");
        fails(
            "params.a < '1'",
            10,
            "< doesn't apply to params; use =, !=, LIKE, ILIKE, IN or NOT IN",
        );
        fails("tags.a >= 'x'", 8, ">= doesn't apply to tags");
        fails("status > 'running'", 8, "> doesn't apply to statuses");
        fails("created IN (1)", 9, "IN doesn't apply to times");
        fails("id LIKE '1%'", 4, "LIKE doesn't apply to run ids");
    }

    #[test]
    fn trailing_input_and_missing_and() {
        fails("metrics.a < 1)", 14, "')' without a matching '('");
        fails(
            "metrics.a < 1 metrics.b < 2",
            15,
            "expected 'and' or 'or' between comparisons, found 'metrics'",
        );
        fails(
            "params.a = 'x' 'y'",
            16,
            "unexpected \"'\" after the comparison",
        );
        fails(
            "params.a = 'x'status = 'failed'",
            15,
            "expected 'and' or 'or' between comparisons",
        );
        fails("metrics.a < 1 andy metrics.b < 2", 15, "found 'andy'");
        fails("params.a IN ('x') ('y')", 19, "unexpected '('");
    }

    #[test]
    fn and_needs_comparisons_on_both_sides() {
        fails(
            "and metrics.a < 1",
            1,
            "'and' needs a comparison on each side",
        );
        fails(
            "metrics.a < 1 and and metrics.b < 1",
            19,
            "'and' needs a comparison",
        );
        fails("or metrics.a < 1", 1, "'or' needs a comparison");
    }

    #[test]
    fn bad_numbers() {
        fails("metrics.a < nan", 13, "'nan' can't be compared");
        fails("metrics.a < NaN", 13, "can't be compared");
        fails("metrics.a > -Infinity", 13, "can't be compared");
        fails("metrics.a > inf", 13, "can't be compared");
        fails("metrics.a < 1e999", 13, "number out of range");
        fails("metrics.a < 1.2.3", 13, "malformed number '1.2.3'");
        fails("metrics.a < 1e", 13, "malformed number");
        fails("metrics.a < 0.5abc", 13, "malformed number");
        fails("metrics.a < -", 13, "malformed number");
    }

    #[test]
    fn values_of_the_wrong_kind() {
        fails(
            "metrics.a < '0.5'",
            13,
            "metrics compare with numbers: expected a number",
        );
        fails("metrics.a < abc", 13, "expected a number, found 'abc'");
        let e = err("params.lr = 0.01");
        assert_eq!(
            e.to_string(),
            "column 13: params values are strings: quote it, '0.01'"
        );
        fails(
            "params.lr = adam",
            13,
            "params values are strings: quote it, 'adam'",
        );
        fails("tags.team = x", 13, "tag values are strings: quote it, 'x'");
        fails(
            "status = FINISHED",
            10,
            "status values are strings: quote it, 'FINISHED'",
        );
        fails("name = 5", 8, "run names are strings");
        fails(
            "params.a IN ('x', 1)",
            19,
            "params values are strings: quote it, '1'",
        );
        fails("id = 'abc'", 6, "run ids are whole numbers, not 'abc'");
        fails("id = 1.5", 6, "run ids are whole numbers");
        fails(
            "created > 'yesterday'",
            11,
            "expected a date like '2024-05-01'",
        );
        fails("created > now", 11, "expected a time: epoch milliseconds");
        fails("created > 1e300", 11, "time out of range");
        fails("params.a = `x`", 12, "backticks quote keys");
        fails(
            "params.a = ('x')",
            12,
            "a list of values goes with IN or NOT IN, not =",
        );
        fails(
            "params.a IN 'x'",
            13,
            "expected a list in parentheses after IN",
        );
        fails(
            "params.a NOT IN x",
            17,
            "expected a list in parentheses after NOT IN",
        );
        fails("params.a IN ()", 14, "empty list: IN needs a value");
        fails(
            "params.a IN ('x' 'y')",
            18,
            "expected ',' or ')' in the list",
        );
        fails("params.a IN ('x',)", 18, "expected a value in the list");
        fails("metrics.a < )", 13, "expected a value after '<'");
    }

    #[test]
    fn statuses_and_types_are_validated() {
        fails(
            "status = 'done'",
            10,
            "unknown status 'done'; valid: queued, running, succeeded, failed, cancelled",
        );
        fails(
            "status IN ('FINISHED', 'DONE')",
            24,
            "unknown status 'DONE'",
        );
        fails(
            "type IN ('train', 'test')",
            19,
            "unknown run type 'test'; valid: train, eval, backtest",
        );
    }

    #[test]
    fn bad_fields() {
        fails(
            "attributes.foo = 'x'",
            12,
            "unknown attribute 'foo'; known attributes: id (run_id), status",
        );
        fails(
            "rmse < 1",
            1,
            "unknown attribute 'rmse' (metrics, params and tags need a prefix: metrics.rmse)",
        );
        fails("run-id = 1", 1, "unknown attribute 'run-id'");
        fails("metricz.a < 1", 1, "unknown prefix 'metricz.'");
        fails("metrics. < 1", 9, "expected a key after 'metrics.'");
        fails("metrics.`` < 1", 9, "empty key");
        fails("metrics.a$b < 1", 10, "'$' can't be in a key");
        fails("metrics.`a$` < 1", 11, "'$' can't be in a key");
        fails("params.lr'x' = 'y'", 10, "\"'\" can't be in a key");
        fails("\"status\" = 'x'", 1, "quoted keys follow a prefix");
        fails("metrics.a < 1 and 'x'", 19, "expected a field");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        fails("metrics.précision < 'x'", 21, "expected a number");
        fails("params.ü = 'é' or", 18, "expected a comparison after 'or'");
    }

    #[test]
    fn pointed_puts_a_caret_under_the_column() {
        let input = "metrics.rmse <   ";
        let e = err(input);
        assert_eq!(e.pointed(input), format!("{input}\n{}^", " ".repeat(17)));
        let input = "params.lr = 0.01";
        assert_eq!(err(input).pointed(input), "params.lr = 0.01\n            ^");
        // Tabs and newlines show as spaces, so the caret stays aligned.
        let input = "metrics.a <\t1\nxor x";
        let e = err(input);
        assert_eq!(e.column, 15);
        assert_eq!(e.pointed(input), "metrics.a < 1 xor x\n              ^");
        // Wide characters take two columns.
        let input = "params.名前 = 1";
        let e = err(input);
        assert_eq!(e.column, 13);
        assert_eq!(e.pointed(input), format!("{input}\n{}^", " ".repeat(14)));
    }

    #[test]
    fn messages_are_one_line_even_with_odd_user_text() {
        let e = err("status = 'a\nb'");
        assert!(!e.message.contains('\n'), "{e}");
        let e = err("params.a = 'x'\u{1b}");
        assert!(!e.message.contains('\u{1b}'), "{e}");
    }

    // ---- order by ----

    fn ob(field: Field, descending: bool) -> OrderBy {
        OrderBy { field, descending }
    }

    #[test]
    fn order_by_forms() {
        assert_eq!(parse_order_by("").unwrap(), vec![]);
        assert_eq!(parse_order_by("   ").unwrap(), vec![]);
        assert_eq!(
            parse_order_by("metrics.rmse").unwrap(),
            vec![ob(metric("rmse"), false)]
        );
        assert_eq!(
            parse_order_by("metrics.rmse DESC").unwrap(),
            vec![ob(metric("rmse"), true)]
        );
        assert_eq!(
            parse_order_by("params.lr ASC").unwrap(),
            vec![ob(param("lr"), false)]
        );
        assert_eq!(
            parse_order_by("attributes.start_time DESC").unwrap(),
            vec![ob(attr(Attribute::Started), true)]
        );
        assert_eq!(
            parse_order_by("id").unwrap(),
            vec![ob(attr(Attribute::Id), false)]
        );
        assert_eq!(
            parse_order_by(" metrics.rmse desc ,id asc,name,tags.mlflow.runName Desc ").unwrap(),
            vec![
                ob(metric("rmse"), true),
                ob(attr(Attribute::Id), false),
                ob(attr(Attribute::Name), false),
                ob(attr(Attribute::Name), true),
            ]
        );
        assert_eq!(
            parse_order_by("metrics.`val loss` DESC, tags.team").unwrap(),
            vec![ob(metric("val loss"), true), ob(tag("team"), false)]
        );
        assert_eq!(
            parse_order_by("metrics.a,metrics.b").unwrap(),
            vec![ob(metric("a"), false), ob(metric("b"), false)]
        );
    }

    #[test]
    fn order_by_errors() {
        order_fails(
            "metrics.rmse DOWN",
            14,
            "expected ASC, DESC, ',' or the end, found 'DOWN'",
        );
        order_fails(
            "metrics.rmse,",
            14,
            "expected a field to order by after ','",
        );
        order_fails(",id", 1, "expected a field to order by");
        order_fails("id,,name", 4, "after ','");
        order_fails("metrics.rmse DESC id", 19, "expected ',' or the end");
        order_fails(
            "metrics.rmse < 1",
            14,
            "expected ASC, DESC, ',' or the end, found '<'",
        );
        order_fails("foo DESC", 1, "unknown attribute 'foo'");
        order_fails("metrics. DESC", 9, "expected a key");
        order_fails("metrics.`x DESC", 9, "unterminated key");
    }

    // ---- display ----

    #[test]
    fn display_is_canonical_and_parses_back() {
        let input = "METRICS.`val loss` <= 1e-3 and params.lr='it''s' AND status = 'FINISHED' \
                     and tags.mlflow.runName IN ('a', \"b\") and attr.start_time > 1714521600000";
        let f = parse(input).unwrap();
        let shown = f.to_string();
        assert_eq!(
            shown,
            "metrics.`val loss` <= 0.001 and params.lr = 'it''s' and status = 'succeeded' \
             and name IN ('a', 'b') and started > '2024-05-01T00:00:00Z'"
        );
        assert_eq!(parse(&shown).unwrap(), f);
        assert_eq!(
            parse_order_by("metrics.rmse desc, id")
                .unwrap()
                .iter()
                .map(|o| o.to_string())
                .collect::<Vec<_>>(),
            vec!["metrics.rmse DESC", "id ASC"]
        );
    }

    // ---- properties ----

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        const TOKENS: &[&str] = &[
            "metrics.rmse",
            "metrics.",
            "params.lr",
            "tags.team",
            "tags.mlflow.runName",
            "attributes.start_time",
            "attributes.",
            "status",
            "id",
            "created",
            "type",
            "`val loss`",
            "metrics.`val loss`",
            "`",
            "\"",
            "'",
            "=",
            "==",
            "!=",
            "!",
            "<",
            "<=",
            ">",
            ">=",
            "<>",
            "LIKE",
            "ilike",
            "IN",
            "NOT",
            "not in",
            "and",
            "AND",
            "or",
            "(",
            ")",
            ",",
            "'0.01'",
            "'FINISHED'",
            "'it''s'",
            "\"x\"",
            "0.5",
            "-1e3",
            "1e999",
            "1e",
            ".",
            "1714521600000",
            "'2024-05-01'",
            "nan",
            "-inf",
            "DESC",
            "asc",
            "é",
            "名",
            "\t",
            "\n",
        ];

        fn check_error(input: &str, e: &FilterError) -> Result<(), TestCaseError> {
            let len = input.chars().count();
            prop_assert!(e.column >= 1 && e.column <= len + 1, "{input:?}: {e}");
            prop_assert!(
                !e.message.is_empty() && !e.message.contains('\n'),
                "{input:?}: {e}"
            );
            let pointed = e.pointed(input);
            prop_assert!(pointed.ends_with('^'));
            Ok(())
        }

        fn check(input: &str) -> Result<(), TestCaseError> {
            match parse(input) {
                Ok(f) => {
                    // What parsed shows as text that parses back the same.
                    let shown = f.to_string();
                    let again = parse(&shown);
                    prop_assert_eq!(again.as_ref(), Ok(&f), "{:?} -> {:?}", input, shown);
                }
                Err(e) => check_error(input, &e)?,
            }
            match parse_order_by(input) {
                Ok(keys) => {
                    let shown: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                    let again = parse_order_by(&shown.join(", "));
                    prop_assert_eq!(again.as_ref(), Ok(&keys));
                }
                Err(e) => check_error(input, &e)?,
            }
            Ok(())
        }

        fn key() -> impl Strategy<Value = String> {
            "[a-zA-Z0-9_./:é-][a-zA-Z0-9_ ./:-]{0,8}"
                .prop_filter("the run name tag", |k| k != "mlflow.runName")
        }

        fn any_text() -> impl Strategy<Value = String> {
            "[a-z'\"%_ \\n]{0,8}"
        }

        fn time() -> impl Strategy<Value = Value> {
            (-62_000_000_000_000i64..253_000_000_000_000i64)
                .prop_map(|ms| Value::Time(DateTime::from_timestamp_millis(ms).unwrap()))
        }

        fn comparison_op() -> impl Strategy<Value = Op> {
            prop::sample::select(vec![Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge])
        }

        fn text_condition(
            field: Field,
            valid: Option<&'static [&'static str]>,
        ) -> BoxedStrategy<Condition> {
            let value = match valid {
                Some(values) => prop::sample::select(values.to_vec()).prop_map(text).boxed(),
                None => any_text().prop_map(Value::Text).boxed(),
            };
            let list = prop::collection::vec(value.clone(), 1..4).prop_map(Value::List);
            prop_oneof![
                (prop::sample::select(vec![Op::Eq, Op::Ne]), value).prop_map(|(op, v)| (op, v)),
                (
                    prop::sample::select(vec![Op::Like, Op::ILike]),
                    any_text().prop_map(Value::Text)
                ),
                (prop::sample::select(vec![Op::In, Op::NotIn]), list),
            ]
            .prop_map(move |(op, value)| Condition {
                field: field.clone(),
                op,
                value,
            })
            .boxed()
        }

        fn condition() -> BoxedStrategy<Condition> {
            let finite = any::<f64>().prop_filter("finite", |n| n.is_finite());
            prop_oneof![
                (key(), comparison_op(), finite).prop_map(|(k, op, n)| Condition {
                    field: Field::Metric(k),
                    op,
                    value: Value::Number(n)
                }),
                key().prop_flat_map(|k| text_condition(Field::Param(k), None)),
                key().prop_flat_map(|k| text_condition(Field::Tag(k), None)),
                text_condition(attr(Attribute::Name), None),
                text_condition(attr(Attribute::Recipe), None),
                text_condition(attr(Attribute::Model), None),
                text_condition(attr(Attribute::Status), Some(STATUSES)),
                text_condition(attr(Attribute::RunType), Some(RUN_TYPES)),
                (comparison_op(), -100_000i32..100_000).prop_map(|(op, n)| Condition {
                    field: attr(Attribute::Id),
                    op,
                    value: num(n.into())
                }),
                prop::collection::vec(0u32..1_000_000, 1..4).prop_map(|ids| Condition {
                    field: attr(Attribute::Id),
                    op: Op::In,
                    value: Value::List(ids.into_iter().map(|n| num(n.into())).collect())
                }),
                (
                    prop::sample::select(vec![
                        Attribute::Created,
                        Attribute::Started,
                        Attribute::Finished
                    ]),
                    comparison_op(),
                    time()
                )
                    .prop_map(|(a, op, value)| Condition {
                        field: attr(a),
                        op,
                        value
                    }),
            ]
            .boxed()
        }

        /// Filters with `or` groups, nested: every alternative holds
        /// something and every group has two or more.
        fn grouped() -> impl Strategy<Value = Filter> {
            let leaf = prop::collection::vec(condition(), 1..3).prop_map(Filter::all_of);
            leaf.prop_recursive(3, 16, 3, |inner| {
                (
                    prop::collection::vec(condition(), 0..2),
                    prop::collection::vec(prop::collection::vec(inner, 2..4), 1..3),
                )
                    .prop_map(|(conditions, any_of)| Filter { conditions, any_of })
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            #[test]
            fn arbitrary_strings_never_panic(s in "\\PC{0,60}") {
                check(&s)?;
            }

            #[test]
            fn arbitrary_chars_never_panic(chars in prop::collection::vec(any::<char>(), 0..40)) {
                let s: String = chars.into_iter().collect();
                check(&s)?;
            }

            #[test]
            fn token_salad_never_panics(
                tokens in prop::collection::vec((prop::sample::select(TOKENS), any::<bool>()), 0..14)
            ) {
                let mut s = String::new();
                for (token, space) in tokens {
                    s.push_str(token);
                    if space {
                        s.push(' ');
                    }
                }
                check(&s)?;
            }

            #[test]
            fn filters_round_trip_through_display(conditions in prop::collection::vec(condition(), 0..5)) {
                let filter = Filter::all_of(conditions);
                let shown = filter.to_string();
                prop_assert_eq!(parse(&shown), Ok(filter), "{}", shown);
            }

            #[test]
            fn grouped_filters_round_trip_through_display(filter in grouped()) {
                let shown = filter.to_string();
                prop_assert_eq!(parse(&shown), Ok(filter), "{}", shown);
            }

            #[test]
            fn order_by_round_trips_through_display(
                keys in prop::collection::vec(
                    (prop_oneof![
                        key().prop_map(Field::Metric),
                        key().prop_map(Field::Param),
                        key().prop_map(Field::Tag),
                        prop::sample::select(Attribute::ALL.to_vec()).prop_map(Field::Attribute),
                    ], any::<bool>()).prop_map(|(field, descending)| OrderBy { field, descending }),
                    0..4,
                )
            ) {
                let shown: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                prop_assert_eq!(parse_order_by(&shown.join(", ")), Ok(keys));
            }
        }
    }
}
