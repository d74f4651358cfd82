//! The offline chat assistant: deterministic rules that read a request and
//! the current recipe, and answer, propose a change, or decline.
//!
//! Everything here is a pure function of its inputs (no I/O, no clock, no
//! randomness), so the same request in the same context always gets the same
//! reply. Every proposed change is an RFC 6902 patch whose result has been
//! checked against the manifest schema before it is offered.

mod answers;
mod clauses;
mod compound;
mod conversation;
mod create;
mod draft;
mod edits;
mod features;
mod followup;
mod horizon;
mod intent;
mod lexicon;
mod metadata;
mod monitored_metrics;
mod monitoring;
mod names;
mod numbers;
mod pending;
mod primary;
mod ranges;
mod recipe;
mod registry;
mod relative;
mod sanity;
mod schedule;
mod settings;
mod spelling;
mod stated;
mod suggest;
mod swap;
mod text;

#[cfg(test)]
mod tests;

use conversation::recipe_label;
pub use conversation::{AlertInfo, Context, Intent, MonitoringInfo, Proposal, Reply, VersionInfo};

use crate::domain::manifest::validate;
use draft::{Decline, Draft};
use intent::Route;
use serde_json::Value;

/// Answers one chat message: each ask it makes read in turn (see
/// [`compound`]), a question or a single ask as it is.
pub fn respond(request: &str, ctx: &Context) -> Reply {
    match ctx.pending {
        Some(pending) => pending::refine(request, ctx, pending, respond_fresh),
        None => respond_fresh(request, ctx),
    }
}

/// Answers a message with no proposal pending.
fn respond_fresh(request: &str, ctx: &Context) -> Reply {
    let plain = spelling::without_old_value(&spelling::in_full(request));
    let plain = spelling::implied_by(&spelling::plain_idioms(&plain));
    let plain = spelling::signed_percent(&spelling::pronoun_one(&plain));
    let plain = spelling::join_names(&plain, ctx.manifest);
    let (mended, fixes) = spelling::mend(&plain, ctx.manifest);
    let mended = spelling::factor_as_percent(&mended);
    let mut reply = respond_mended(&mended, ctx);
    if !fixes.is_empty() && reply.proposal.is_some() {
        let read: Vec<String> = fixes
            .iter()
            .map(|(typed, known)| format!("'{typed}' as '{known}'"))
            .collect();
        reply.text = format!("Read {}.\n{}", read.join(", "), reply.text);
    }
    reply
}

fn respond_mended(request: &str, ctx: &Context) -> Reply {
    // "actually 0.32" after "set mape thresh to 0.3": that request again.
    if let Some(again) = followup::revalued(request, ctx.history) {
        let mut reply = compound::respond(&again, ctx, respond_to_one);
        if reply.proposal.is_some() {
            reply.text = format!("Read as: {again}.\n{}", reply.text);
            return reply;
        }
    }
    // "and mape to 0.3 too": the previous request, about mape.
    if let Some(again) = ctx
        .manifest
        .and_then(|m| followup::elliptical(request, ctx.history, m))
    {
        let mut reply = compound::respond(&again, ctx, respond_to_one);
        if reply.proposal.is_some() {
            reply.text = format!("Read as: {again}.\n{}", reply.text);
        }
        return reply;
    }
    // "make it 0.1" after "what's the threshold on forecast_bias?".
    let restated = ctx
        .manifest
        .and_then(|m| followup::restate(request, ctx.history, m));
    // "in there", "that set", "the second one" point back for certain; a
    // bare "it" only when the request means nothing on its own ("make it
    // realtime" needs nothing earlier).
    if let Some(r) = restated
        .as_deref()
        .filter(|_| followup::points_back(request))
    {
        return compound::respond(r, ctx, respond_to_one);
    }
    let reply = compound::respond(request, ctx, respond_to_one);
    let understood =
        reply.proposal.is_some() || reply.intent.is_question() || reply.intent == Intent::Help;
    match restated {
        Some(r) if !understood => compound::respond(&r, ctx, respond_to_one),
        _ => reply,
    }
}

/// Answers a message that makes one ask (or asks one question).
fn respond_to_one(request: &str, ctx: &Context) -> Reply {
    let t = text::Tokens::new(request);
    if let Some(d) = intent::promised_outcome(&t, ctx).or_else(|| intent::asks_for_a_secret(&t)) {
        return declined(d);
    }
    // "tighten mape by 2 points" is "set the mape threshold to 0.33".
    if let Some(restated) = ctx.manifest.and_then(|m| relative::restate(&t, m)) {
        let mut reply = respond_to_one(&restated, ctx);
        if reply.proposal.is_some() {
            reply.text = format!("Read as: {restated}.\n{}", reply.text);
        }
        return reply;
    }
    if let Some(reply) = ctx.manifest.and_then(|m| grounded(&t, m, ctx)) {
        return reply;
    }
    let mut route = intent::classify(&t, ctx);
    // With no recipe open, a request that names a family ("forecasting
    // recipe w/ a 12 week horizon") starts one, with the rest made on it.
    if ctx.manifest.is_none()
        && matches!(route, Route::Edit(_) | Route::Unknown)
        && matches!(intent::detect_family(&t), intent::FamilyGuess::One(_))
    {
        route = Route::Create;
    }
    match route {
        Route::Help => Reply {
            intent: Intent::Help,
            text: suggest::help_text(ctx),
            proposal: None,
            suggestions: suggest::starters(ctx),
        },
        Route::Decline(d) => declined(d),
        // "is uplift on?": a question about settings this recipe has.
        Route::Unknown => match ctx
            .manifest
            .filter(|_| intent::asks_something(&t))
            .and_then(|m| settings::describe_named(&t, m))
        {
            Some(text) => Reply {
                intent: Intent::AskOverview,
                text,
                proposal: None,
                suggestions: vec![],
            },
            None => suggest::unknown(&t, ctx),
        },
        Route::Ask(intent) => match answers::answer(intent, &t, ctx) {
            Ok((text, suggestions)) => Reply {
                intent,
                text,
                proposal: None,
                suggestions,
            },
            Err(d) => declined(d),
        },
        Route::Create => match create::propose(&t, ctx) {
            Ok(mut p) => {
                also_asked(&t, &mut p.draft);
                // What it holds, as the requests made after it left it.
                p.outro = create::summary(&p.draft.doc);
                no_longer_the_baseline(&mut p.draft, &p.baseline);
                finish_new_recipe(p)
            }
            Err(d) => declined(d),
        },
        Route::Edit(intent) => {
            let Some(manifest) = ctx.manifest else {
                return declined(no_recipe(intent));
            };
            if let Some(d) = relative_change(intent, &t) {
                return declined(d);
            }
            let result = match intent {
                Intent::AddFeature
                | Intent::RemoveFeature
                | Intent::AddFeatureSet
                | Intent::RemoveFeatureSet => features::edit(intent, &t, manifest),
                Intent::SetMetricThreshold => edits::metric_threshold(&t, manifest),
                Intent::SetValidation => edits::validation(&t, manifest),
                Intent::SetDeploymentMode => edits::deployment_mode(&t, manifest, ctx),
                Intent::SetSchedule => edits::schedule(&t, manifest),
                Intent::ConfigureDrift => monitoring::drift(&t, manifest),
                Intent::AddAlert => monitoring::add_alert(&t, manifest),
                Intent::RemoveAlert => monitoring::remove_alert(&t, manifest),
                Intent::SetFreshness => monitoring::freshness(&t, manifest),
                _ => Err(Decline::new("internal error: not an edit")),
            };
            match result.and_then(|draft| sanity::check(&t, manifest, &draft).map(|()| draft)) {
                Ok(draft) => finish_edit(intent, draft, manifest, ctx),
                Err(d) => declined(d),
            }
        }
    }
}

/// The edits read from what this manifest has, before the topic rules: the
/// forecast horizon, existing alert rules, features not to use, ranges,
/// metadata and any setting by its name. None when none of them applies.
fn grounded(t: &text::Tokens, manifest: &Value, ctx: &Context) -> Option<Reply> {
    let reply = |intent: Intent, result: Result<Draft, Decline>| match result {
        Ok(draft) => finish_edit(intent, draft, manifest, ctx),
        Err(d) => declined(d),
    };
    // "forecast 12 weeks ahead", whatever the recipe's family.
    if let Some(result) = horizon::edit(t, manifest) {
        return Some(reply(Intent::SetValidation, result));
    }
    let asking = t.asks
        || matches!(
            t.word(lexicon::start(t)),
            "what"
                | "whats"
                | "which"
                | "why"
                | "how"
                | "when"
                | "where"
                | "who"
                | "is"
                | "are"
                | "does"
                | "do"
                | "did"
        );
    if asking {
        return None;
    }
    for kind in registry::GROUNDED_EDITS {
        if let Some(result) = (kind.edit)(t, manifest) {
            return Some(reply(kind.intent, result));
        }
    }
    // "lern rate 0.03": any setting it has, by name, unless the request is
    // refused whole.
    let changes = matches!(
        intent::classify(t, ctx),
        Route::Edit(_) | Route::Unknown | Route::Decline(_)
    ) && intent::destructive(t, 0, ctx).is_none();
    let result = changes.then(|| settings::edit(t, manifest)).flatten()?;
    let validation = result.as_ref().is_ok_and(|d| {
        !d.ops.is_empty()
            && d.ops
                .iter()
                .all(|op| op.path().to_string().starts_with("/evaluation/validation/"))
    });
    Some(reply(
        if validation {
            Intent::SetValidation
        } else {
            Intent::SetSetting
        },
        result,
    ))
}

/// A change "by" an amount whose target [`relative::restate`] could not
/// find: the topic rules would misread the amount as the new value itself
/// (2 points saved as 0.02), so the user is asked for the value instead.
fn relative_change(intent: Intent, t: &text::Tokens) -> Option<Decline> {
    let sets_a_number = matches!(
        intent,
        Intent::SetMetricThreshold
            | Intent::SetFreshness
            | Intent::SetDeploymentMode
            | Intent::ConfigureDrift
            | Intent::AddAlert
    );
    let by_amount = t.toks.windows(2).find(|w| {
        w[0].text == "by"
            && w[1]
                .text
                .trim_start_matches(['+', '-'])
                .starts_with(|c: char| c.is_ascii_digit() || c == '.')
    })?;
    sets_a_number.then(|| {
        Decline::new(format!(
            "I read 'by {}' as a change relative to the current value, which I cannot apply yet, so nothing is proposed. Give the value you want instead (for example: set the mape threshold to 0.33).",
            by_amount[1].orig
        ))
    })
}

/// What a request to create a recipe also asks of it ("…, owner
/// pricing-lab@nex.ai", "…validated on 10km blocks"): the owner, name,
/// industry and tags, and settings named in it, made on the new recipe; what
/// cannot be made is said, not dropped.
fn also_asked(t: &text::Tokens, draft: &mut draft::Draft) {
    type Extra = fn(&text::Tokens, &Value) -> Option<Result<draft::Draft, draft::Decline>>;
    let extras: [Extra; 4] = [
        |t, m| metadata::edit(&t.raw, m),
        stated::edit,
        |t, m| edits::says_validation(t).then(|| edits::validation(t, m)),
        settings::edit,
    ];
    for extra in extras {
        // Each reads the draft as the ones before it left it.
        match extra(t, &draft.doc) {
            Some(Ok(more)) if !more.ops.is_empty() => {
                draft.doc = more.doc;
                draft.ops.extend(more.ops);
                draft.summary.extend(more.summary);
                draft.notes.extend(more.notes);
            }
            Some(Ok(_)) | None => {}
            Some(Err(d)) => draft.note(format!("I did not change: {}", d.text)),
        }
    }
}

/// A recipe made from a baseline is not one: the "baseline" tag goes, and
/// a description that states the baseline's horizon ("1-8 week ahead")
/// states the new one.
fn no_longer_the_baseline(draft: &mut draft::Draft, baseline: &Value) {
    let tags = draft
        .doc
        .pointer("/metadata/tags")
        .and_then(Value::as_array)
        .cloned();
    if let Some(i) = tags.and_then(|t| t.iter().position(|x| x == "baseline"))
        && draft.remove(&["metadata", "tags", &i.to_string()]).is_ok()
    {
        draft.line("tag 'baseline' removed: this recipe is not one");
    }
    let (Some(old), Some(new)) = (horizon::weeks(baseline), horizon::weeks(&draft.doc)) else {
        return;
    };
    let Some(description) = draft
        .get(&["metadata", "description"])
        .and_then(Value::as_str)
    else {
        return;
    };
    let (said, meant) = (format!("1-{old} week"), format!("1-{new} week"));
    if old != new && description.contains(&said) {
        let updated = description.replace(&said, &meant);
        if draft
            .set(&["metadata", "description"], Value::from(updated))
            .is_ok()
        {
            draft.line(format!("description: now says {meant} ahead"));
        }
    }
}

/// Prompts for an empty conversation: one per model family, then common edits
/// and questions.
pub fn quick_prompts() -> Vec<&'static str> {
    suggest::QUICK_PROMPTS.to_vec()
}

pub use suggest::quick_prompts_for;

fn declined(d: Decline) -> Reply {
    Reply {
        intent: Intent::Declined,
        text: d.text,
        proposal: None,
        suggestions: d.suggestions,
    }
}

fn no_recipe(intent: Intent) -> Decline {
    Decline::new(format!(
        "There is no current recipe to change ({}). Open a recipe first, or start a new one from a baseline.",
        intent.as_str().replace('_', " ")
    ))
    .suggest(suggest::QUICK_PROMPTS.iter().take(4).copied())
}

/// Turns a draft into a reply: nothing to do, a validated proposal, or a
/// refusal carrying the schema's complaints.
fn finish_edit(intent: Intent, draft: Draft, manifest: &Value, ctx: &Context) -> Reply {
    let label = recipe_label(ctx, manifest);
    if draft.ops.is_empty() {
        let mut text = if draft.unchanged.is_empty() {
            format!("Nothing to change in {label}.")
        } else {
            format!(
                "Nothing to change in {label}: {}.",
                draft.unchanged.join("; ")
            )
        };
        for n in &draft.notes {
            text.push_str(&format!("\nNote: {n}"));
        }
        return Reply {
            intent,
            text,
            proposal: None,
            suggestions: vec![],
        };
    }
    let patch = json_patch::Patch(draft.ops);
    let result = match crate::domain::diff::apply_patch(manifest, &patch) {
        Ok(v) => v,
        Err(e) => return declined(Decline::new(format!("internal error: {e}"))),
    };
    if let Err(invalid) = validate(&result) {
        return declined(invalid_result(&invalid, manifest));
    }
    let mut text = format!("Proposed change to {label}:");
    for line in &draft.summary {
        text.push_str(&format!("\n- {line}"));
    }
    for n in &draft.notes {
        text.push_str(&format!("\nNote: {n}"));
    }
    text.push_str("\nApply it to save a new version of the recipe.");
    Reply {
        intent,
        text,
        proposal: Some(Proposal::Edit {
            patch,
            summary: draft.summary,
        }),
        suggestions: vec![],
    }
}

/// The refusal for a change whose result fails the schema; problems the
/// current manifest already had are told apart from new ones.
fn invalid_result(invalid: &crate::domain::manifest::InvalidManifest, before: &Value) -> Decline {
    let already: Vec<String> = match validate(before) {
        Ok(()) => vec![],
        Err(e) => e.problems.iter().map(|p| p.to_string()).collect(),
    };
    let problems: Vec<String> = invalid.problems.iter().map(|p| p.to_string()).collect();
    let fresh: Vec<&String> = problems.iter().filter(|p| !already.contains(p)).collect();
    let mut text = String::from("I can't propose that: the manifest would not pass validation.");
    if fresh.is_empty() {
        text.push_str(
            "\nThe current manifest already has these problems; fix them first (for example in the manifest editor):",
        );
        for p in problems.iter().take(8) {
            text.push_str(&format!("\n- {p}"));
        }
    } else {
        for p in fresh.iter().take(8) {
            text.push_str(&format!("\n- {p}"));
        }
    }
    Decline::new(text)
}

fn finish_new_recipe(p: create::NewRecipeDraft) -> Reply {
    let create::NewRecipeDraft {
        family,
        name,
        baseline,
        draft,
        intro,
        outro,
        suggestions,
    } = p;
    let patch = json_patch::Patch(draft.ops);
    let manifest = match crate::domain::diff::apply_patch(&baseline, &patch) {
        Ok(v) => v,
        Err(e) => return declined(Decline::new(format!("internal error: {e}"))),
    };
    if let Err(invalid) = validate(&manifest) {
        return declined(invalid_result(&invalid, &baseline));
    }
    let mut text = intro;
    for line in &draft.summary {
        text.push_str(&format!("\n- {line}"));
    }
    for n in &draft.notes {
        text.push_str(&format!("\nNote: {n}"));
    }
    text.push_str(&outro);
    Reply {
        intent: Intent::CreateRecipe,
        text,
        proposal: Some(Proposal::NewRecipe {
            family,
            name,
            manifest,
            patch,
            summary: draft.summary,
        }),
        suggestions,
    }
}
