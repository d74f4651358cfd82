//! A request that makes several asks: each clause is read against the
//! manifest as the clauses before it left it, everything understood becomes
//! one proposal, and what was not is listed ("I did not change: …"), never
//! dropped silently.

use super::intent::{self, Route};
use super::text::Tokens;
use super::{Context, Intent, Proposal, Reply, clauses};
use crate::domain::ModelFamily;
use serde_json::Value;

/// How one ask is answered (the assistant's own `respond_to_one`, handed
/// in so this module does not reach back up to it).
pub type AnswerOne = fn(&str, &Context) -> Reply;

pub fn respond(request: &str, ctx: &Context, respond_to_one: AnswerOne) -> Reply {
    let parts = clauses::split(request, ctx.manifest);
    if parts.len() < 2 || !makes_changes(request, ctx) {
        return respond_to_one(request, ctx);
    }
    let mut joined = Joined::default();
    let mut current = ctx.manifest.cloned();
    let mut earlier: Option<String> = None;
    for clause in &parts {
        // "…promo_depth_pct is too noisy for drift, drop it": "it" is what an
        // earlier clause named.
        let clause = &match earlier.as_deref() {
            Some(named) if refers_back(clause) => super::followup::substitute(clause, named),
            _ => clause.clone(),
        };
        if let Some(id) = super::names::words(clause)
            .into_iter()
            .find(|w| w.contains('_'))
        {
            let drift = super::names::words(clause).iter().any(|w| w == "drift");
            earlier = Some(match drift {
                true => format!("{id} for drift"),
                false => id,
            });
        }
        if let Some(reason) = left_alone(clause) {
            joined.kept.push(format!("{clause} ({reason})"));
            continue;
        }
        let inner = Context {
            manifest: current.as_ref(),
            ..*ctx
        };
        let reply = respond_to_one(clause, &inner);
        let notes = notes_of(&reply.text);
        match reply.proposal {
            Some(Proposal::Edit { patch, summary }) if current.is_some() => {
                match crate::domain::diff::apply_patch(
                    current.as_ref().unwrap_or(&Value::Null),
                    &patch,
                ) {
                    Ok(next) => {
                        // "…, make it a warning": "it" is the rule just changed.
                        if let Some(name) = alert_touched(&patch, &next) {
                            earlier = Some(format!("the {name} alert"));
                        }
                        current = Some(next);
                        joined.ops.extend(patch.0);
                        joined.summary.extend(summary);
                        joined.notes.extend(notes);
                        joined.intent.get_or_insert(reply.intent);
                    }
                    Err(_) => joined.skipped.push(skipped(clause, "it did not apply")),
                }
            }
            Some(Proposal::NewRecipe {
                family,
                name,
                manifest,
                patch,
                summary,
            }) if ctx.manifest.is_none() && joined.created.is_none() => {
                current = Some(manifest);
                joined.created = Some((family, name, first_line(&reply.text)));
                joined.ops.extend(patch.0);
                joined.summary.extend(summary);
                joined.notes.extend(notes);
                joined.intent = Some(Intent::CreateRecipe);
            }
            _ => joined
                .skipped
                .push(skipped(clause, first_line(&reply.text).as_str())),
        }
    }
    joined.reply(ctx, current)
}

/// Does the request ask for changes (rather than ask a question, ask for
/// help, or ask for something refused whole)? Only then is it read clause
/// by clause.
fn makes_changes(request: &str, ctx: &Context) -> bool {
    let t = Tokens::new(request);
    let whole = intent::classify(&t, ctx);
    !request.trim_end().ends_with('?')
        && !matches!(whole, Route::Ask(_) | Route::Help)
        && intent::destructive(&t, 0, ctx).is_none()
}

/// "don't touch the wape alert": a clause that asks to keep something as
/// it is changes nothing, and says so.
fn left_alone(clause: &str) -> Option<&'static str> {
    let t = Tokens::new(clause);
    let negated = t.has_any(&["dont", "never", "not"]) || t.find_phrase("do not", 0).is_some();
    let keep = t.has_any(&["touch", "modify", "alter", "change"]) && negated
        || t.has_any(&["keep", "leave"]) && t.has_any(&["as", "alone", "unchanged"]);
    keep.then_some("left as it is, as asked")
}

/// The alert rule a patch changed, by name.
fn alert_touched(patch: &json_patch::Patch, after: &Value) -> Option<String> {
    patch.0.iter().find_map(|op| {
        let path = op.path().to_string();
        let index = path
            .strip_prefix("/monitoring/alerts/")?
            .split('/')
            .next()?
            .to_string();
        after
            .pointer(&format!("/monitoring/alerts/{index}/name"))
            .and_then(Value::as_str)
            .map(str::to_string)
    })
}

fn refers_back(clause: &str) -> bool {
    super::names::words(clause)
        .iter()
        .any(|w| super::followup::PRONOUNS.contains(&w.as_str()))
}

/// The "Note: …" lines of a clause's reply.
fn notes_of(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("Note: "))
        .map(str::to_string)
        .collect()
}

fn skipped(clause: &str, why: &str) -> String {
    let why = why.trim_end_matches('.');
    match why.is_empty() {
        true => format!("'{clause}'"),
        false => format!("'{clause}' ({why})"),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_string()
}

/// What the clauses add up to.
#[derive(Default)]
struct Joined {
    ops: Vec<json_patch::PatchOperation>,
    summary: Vec<String>,
    intent: Option<Intent>,
    /// A new recipe the first clause started: family, name, its intro line.
    created: Option<(ModelFamily, String, String)>,
    /// Clauses not understood or refused, each with why.
    skipped: Vec<String>,
    /// Clauses that asked for something to stay as it is.
    kept: Vec<String>,
    /// The caveats of the clauses' proposals, said again once joined.
    notes: Vec<String>,
}

impl Joined {
    fn reply(self, ctx: &Context, result: Option<Value>) -> Reply {
        let Joined {
            ops,
            summary,
            intent,
            created,
            skipped,
            kept,
            notes,
        } = self;
        let mut tail = String::new();
        for k in &kept {
            tail.push_str(&format!("\nKept: {k}"));
        }
        if !skipped.is_empty() {
            tail.push_str(&format!("\nI did not change: {}", skipped.join("; ")));
        }
        let (Some(intent), Some(manifest)) = (intent, result) else {
            return Reply {
                intent: Intent::Unknown,
                text: format!("I could not make any of these changes.{tail}"),
                proposal: None,
                suggestions: super::suggest::starters(ctx),
            };
        };
        if ops.is_empty() {
            return Reply {
                intent,
                text: format!("Nothing to change.{tail}"),
                proposal: None,
                suggestions: vec![],
            };
        }
        let mut text = match &created {
            Some((_, _, intro)) => intro.clone(),
            None => format!(
                "Proposed change to {}:",
                super::conversation::recipe_label(ctx, &manifest)
            ),
        };
        for line in &summary {
            text.push_str(&format!("\n- {line}"));
        }
        for note in &notes {
            text.push_str(&format!("\nNote: {note}"));
        }
        text.push_str(&tail);
        let patch = json_patch::Patch(ops);
        let proposal = match created {
            Some((family, name, _)) => {
                text.push_str("\nApply it to create the recipe.");
                Proposal::NewRecipe {
                    family,
                    name,
                    manifest,
                    patch,
                    summary,
                }
            }
            None => {
                text.push_str("\nApply it to save a new version of the recipe.");
                Proposal::Edit { patch, summary }
            }
        };
        Reply {
            intent,
            text,
            proposal: Some(proposal),
            suggestions: vec![],
        }
    }
}
