//! Follow-ups that refine a proposal not yet applied: "new forecasting
//! recipe for weekly store demand", then "make the horizon 12 weeks", then
//! "and alert me when wape goes above 0.3" stack into one proposal, applied
//! once.

use super::{Context, Proposal, Reply};
use crate::domain::diff::apply_patch;
use serde_json::Value;

/// `respond_fresh` answers a request as if nothing were pending (handed in
/// so this module does not reach back up to the assistant's entry).
pub fn refine(
    request: &str,
    ctx: &Context,
    pending: &Proposal,
    respond_fresh: fn(&str, &Context) -> Reply,
) -> Reply {
    // "no, set the drift window to 60": a correction replaces the proposal
    // instead of adding to it.
    if let Some(instead) = correction(request) {
        return respond_fresh(
            instead,
            &Context {
                pending: None,
                ..*ctx
            },
        );
    }
    // The recipe as it will be once the pending proposal is applied.
    let (base, name) = match pending {
        Proposal::NewRecipe { manifest, name, .. } => (manifest.clone(), Some(name.as_str())),
        Proposal::Edit { patch, .. } => match ctx.manifest.map(|m| apply_patch(m, patch)) {
            Some(Ok(m)) => (m, ctx.recipe_name),
            _ => {
                return respond_fresh(
                    request,
                    &Context {
                        pending: None,
                        ..*ctx
                    },
                );
            }
        },
    };
    let inner = Context {
        recipe_name: name,
        manifest: Some(&base),
        pending: None,
        ..*ctx
    };
    let reply = respond_fresh(request, &inner);
    // Asked again ("make MAPE under 12%" twice): the pending proposal
    // already does it, and is offered again to apply.
    if reply.proposal.is_none() && reply.intent.is_edit() {
        return again(pending, reply);
    }
    let Some(Proposal::Edit { patch, summary }) = &reply.proposal else {
        return reply;
    };
    let Ok(after) = apply_patch(&base, patch) else {
        return reply;
    };
    stacked(pending, patch, summary, after, reply.intent)
}

/// The request after a word that takes the last proposal back ("no,",
/// "actually", "I meant"), or None. A bare "no" is not one: "no drift on
/// store_region" is a request of its own.
fn correction(request: &str) -> Option<&str> {
    let trimmed = request.trim_start();
    let lower = trimmed.to_lowercase();
    let cue = [
        "no,",
        "nope",
        "actually",
        "i meant",
        "scratch that",
        "not that,",
    ]
    .iter()
    .find(|c| lower.starts_with(*c))?;
    let rest = trimmed[cue.len()..].trim_start_matches([',', '.', ';', ':', ' ']);
    (!rest.is_empty()).then_some(rest)
}

/// The pending proposal offered again, as the answer to asking for what it
/// already does.
fn again(pending: &Proposal, reply: Reply) -> Reply {
    let (Proposal::NewRecipe { summary, .. } | Proposal::Edit { summary, .. }) = pending;
    let mut text = String::from("The proposal not yet applied already does that:");
    for l in summary {
        text.push_str(&format!("\n- {l}"));
    }
    text.push_str("\nApply it to save it.");
    Reply {
        intent: reply.intent,
        text,
        proposal: Some(pending.clone()),
        suggestions: vec![],
    }
}

/// The pending proposal with the follow-up's change on top.
fn stacked(
    pending: &Proposal,
    patch: &json_patch::Patch,
    summary: &[String],
    after: Value,
    intent: super::Intent,
) -> Reply {
    let (mut ops, mut lines) = match pending {
        Proposal::NewRecipe { patch, summary, .. } | Proposal::Edit { patch, summary } => {
            (patch.0.clone(), summary.clone())
        }
    };
    ops.extend(patch.0.iter().cloned());
    lines.extend(summary.iter().cloned());
    let mut text = String::from("Added to the proposal not yet applied, which now:");
    for l in &lines {
        text.push_str(&format!("\n- {l}"));
    }
    let proposal = match pending {
        Proposal::NewRecipe { family, name, .. } => {
            text.push_str("\nApply it to create the recipe.");
            Proposal::NewRecipe {
                family: *family,
                name: name.clone(),
                manifest: after,
                patch: json_patch::Patch(ops),
                summary: lines,
            }
        }
        Proposal::Edit { .. } => {
            text.push_str("\nApply it to save a new version of the recipe.");
            Proposal::Edit {
                patch: json_patch::Patch(ops),
                summary: lines,
            }
        }
    };
    Reply {
        intent,
        text,
        proposal: Some(proposal),
        suggestions: vec![],
    }
}
