//! The chat, one flow for the CLI and the app, offline or with a language
//! model: the assistant answers over a recipe's data, both messages are kept
//! the same way, and a proposal is applied as a new version (or recipe) and
//! marked applied in one unit of work.

use super::{Service, ServiceError, ServiceResult, Work, invalid};
use crate::assistant::{self, AlertInfo, Context, MonitoringInfo, Proposal, Reply, VersionInfo};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::{AlertState, ChatRole, ChatStatus, ModelFamily, ModelStatus, RecipeLevel};
use crate::llm::LlmAnswer;
use crate::store::{
    ChatMessage, ChatRow, LockedTable, ModelQuery, NewRecipe, NewVersion, Recipe, Store,
};
use serde_json::{Value, json};

/// What the assistant is told about the current recipe.
#[derive(Debug, Clone, Default)]
pub struct ChatData {
    pub recipe: Option<Recipe>,
    pub manifest: Option<Value>,
    /// The version `manifest` is: the base of what is proposed now.
    pub version: Option<String>,
    pub versions: Vec<VersionInfo>,
    pub monitoring: Option<MonitoringInfo>,
    pub baselines: Vec<(ModelFamily, Value)>,
    /// The user's earlier messages in this conversation, oldest first.
    pub history: Vec<String>,
    /// The newest proposal not yet applied or rejected, with its message id:
    /// a follow-up change stacks on it.
    pub pending: Option<(i64, Proposal)>,
}

impl ChatData {
    pub fn reply(&self, message: &str) -> Reply {
        let baselines: Vec<(ModelFamily, &Value)> =
            self.baselines.iter().map(|(f, v)| (*f, v)).collect();
        let ctx = Context {
            recipe_name: self.recipe.as_ref().map(|r| r.name.as_str()),
            manifest: self.manifest.as_ref(),
            versions: &self.versions,
            monitoring: self.monitoring.as_ref(),
            baselines: &baselines,
            history: &self.history,
            pending: self.pending.as_ref().map(|(_, p)| p),
        };
        assistant::respond(message, &ctx)
    }
}

/// Loads the context for `author`'s chat about `recipe_id` (or none).
pub async fn load(
    store: &dyn Store,
    recipe_id: Option<i64>,
    author: &str,
) -> ServiceResult<ChatData> {
    let mut data = ChatData::default();
    for family in ModelFamily::ALL {
        if let Ok(v) = serde_json::from_str(crate::baselines::baseline_manifest_text(*family)) {
            data.baselines.push((*family, v));
        }
    }
    let recent = store.chat_history(recipe_id, author, 12).await?;
    data.pending = recent.iter().rev().find_map(|m| {
        let proposal = serde_json::from_value(m.proposal.clone()?).ok()?;
        (m.status == ChatStatus::Proposed).then_some((m.id, proposal))
    });
    data.history = recent
        .into_iter()
        .filter(|m| m.role == ChatRole::User)
        .map(|m| m.text)
        .collect();
    let Some(id) = recipe_id else { return Ok(data) };
    let recipe = store.recipe(id).await?;
    let versions = store.versions(id).await?;
    data.manifest = versions.first().map(|v| v.manifest_json.clone());
    data.version = versions.first().map(|v| v.version_number.clone());
    data.versions = versions
        .iter()
        .map(|v| VersionInfo {
            number: v.version_number.clone(),
            note: v.change_note.clone(),
            created_by: v.created_by.clone(),
            manifest: v.manifest_json.clone(),
        })
        .collect();
    data.monitoring = monitoring_of(store, id).await?;
    data.recipe = Some(recipe);
    Ok(data)
}

/// The monitoring of the recipe's model in production (else its newest model).
async fn monitoring_of(store: &dyn Store, recipe_id: i64) -> ServiceResult<Option<MonitoringInfo>> {
    let models = store
        .list_models(&ModelQuery {
            recipe_id: Some(recipe_id),
            limit: 100,
            ..Default::default()
        })
        .await?
        .items;
    let Some(model) = models
        .iter()
        .find(|m| m.status == ModelStatus::Production)
        .or(models.last())
    else {
        return Ok(None);
    };
    let Some(latest) = store.snapshots(model.id, 1).await?.into_iter().next() else {
        return Ok(None);
    };
    // The rule alerts still open (acknowledged ones too), not the text a
    // snapshot carried: "why is it alerting" answers what the Alerts tab shows.
    let open_alerts = store
        .alerts(model.id, None)
        .await?
        .into_iter()
        .filter(|a| a.state != AlertState::Resolved)
        .map(|a| AlertInfo {
            rule: a.rule,
            severity: a.severity.as_str().to_string(),
            message: a.message,
        })
        .collect();
    Ok(Some(MonitoringInfo {
        model_name: model.name.clone(),
        latest_performance: latest.performance_metrics_json,
        latest_drift: latest.drift_metrics_json,
        freshness: latest.data_freshness_json,
        open_alerts,
    }))
}

/// What applying a proposal did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Applied {
    pub recipe_id: i64,
    pub recipe: String,
    pub version: String,
    pub message: String,
}

/// The request a language model gets: the manifest, the schema, the
/// conversation so far and the new message.
pub fn llm_request(
    data: &ChatData,
    history: &[crate::store::ChatMessage],
    message: &str,
) -> crate::llm::LlmRequest {
    use crate::llm::{LlmRequest, Role};
    LlmRequest {
        manifest: data.manifest.clone(),
        schema: crate::domain::manifest::SCHEMA_TEXT.to_string(),
        history: history
            .iter()
            .rev()
            .take(12)
            .rev()
            .map(|m| {
                (
                    if m.role == crate::domain::ChatRole::User {
                        Role::User
                    } else {
                        Role::Assistant
                    },
                    m.text.clone(),
                )
            })
            .collect(),
        message: message.to_string(),
    }
}

/// A validated language-model answer as a proposal the app and CLI show.
pub fn llm_proposal(answer: &crate::llm::LlmAnswer) -> Option<Proposal> {
    answer.patch.as_ref().map(|patch| Proposal::Edit {
        patch: patch.clone(),
        summary: answer.summary(),
    })
}

/// One exchange: the answer as the assistant gave it, and what was kept.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exchange {
    /// What kind of request the assistant took it for (offline only).
    pub intent: Option<assistant::Intent>,
    pub text: String,
    pub proposal: Option<Proposal>,
    pub suggestions: Vec<String>,
    /// The assistant's message as stored.
    #[serde(skip)]
    pub message: Option<ChatMessage>,
    pub applied: Option<Applied>,
}

/// The answer's text as kept in the history: the reply, then what one could ask.
fn stored_text(text: &str, suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        return text.to_string();
    }
    let asks: Vec<String> = suggestions.iter().map(|s| format!("- {s}")).collect();
    format!("{text}\n\nYou could ask:\n{}", asks.join("\n"))
}

impl Service {
    /// Asks the offline assistant about a recipe (or none); both messages are
    /// kept, and with `apply` its proposal is applied too, all in one unit
    /// of work: a refused apply leaves no trace.
    pub async fn chat_ask(
        &self,
        recipe_id: Option<i64>,
        request: &str,
        apply: bool,
        actor: &str,
    ) -> ServiceResult<Exchange> {
        let data = load(self.store(), recipe_id, actor).await?;
        let reply = data.reply(request);
        self.keep_exchange(
            &data,
            request,
            Exchange {
                intent: Some(reply.intent),
                text: reply.text.clone(),
                proposal: reply.proposal.clone(),
                suggestions: reply.suggestions.clone(),
                message: None,
                applied: None,
            },
            apply,
            actor,
        )
        .await
    }

    /// Keeps a language model's answer (validated into a proposal, or its
    /// failure, never a proposal), applying it with `apply`.
    pub async fn chat_record_llm(
        &self,
        recipe_id: Option<i64>,
        request: &str,
        answer: Result<&LlmAnswer, String>,
        apply: bool,
        actor: &str,
    ) -> ServiceResult<Exchange> {
        let data = load(self.store(), recipe_id, actor).await?;
        let exchange = match answer {
            Ok(answer) => Exchange {
                intent: None,
                text: answer.explanation.clone(),
                proposal: llm_proposal(answer),
                suggestions: Vec::new(),
                message: None,
                applied: None,
            },
            Err(e) => Exchange {
                intent: None,
                text: format!("(language model) {e}; nothing is proposed"),
                proposal: None,
                suggestions: Vec::new(),
                message: None,
                applied: None,
            },
        };
        self.keep_exchange(&data, request, exchange, apply, actor)
            .await
    }

    async fn keep_exchange(
        &self,
        data: &ChatData,
        request: &str,
        mut exchange: Exchange,
        apply: bool,
        actor: &str,
    ) -> ServiceResult<Exchange> {
        super::refuse_nul("a chat message", request)?;
        let recipe_id = data.recipe.as_ref().map(|r| r.id);
        let proposal_json = exchange
            .proposal
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| invalid(format!("the proposal cannot be stored: {e}")))?;
        let mut w = self.begin().await?;
        w.add_message(recipe_id, ChatRole::User, request, None, None, actor)
            .await?;
        let text = stored_text(&exchange.text, &exchange.suggestions);
        let id = w
            .add_message(
                recipe_id,
                ChatRole::Assistant,
                &text,
                proposal_json.as_ref(),
                data.version.as_deref(),
                actor,
            )
            .await?;
        // One proposal pending at a time per person: their newer one (which
        // builds on it, or replaces it) supersedes the older.
        if let (Some((older, _)), Some(_)) = (&data.pending, &exchange.proposal) {
            w.mark(*older, ChatStatus::Superseded, actor).await?;
        }
        if let (true, Some(proposal)) = (apply, &exchange.proposal) {
            let base = data.version.as_deref();
            exchange.applied = Some(
                self.apply_in(&mut w, data, proposal, base, request, actor)
                    .await?,
            );
            w.mark(id, ChatStatus::Applied, actor).await?;
        }
        exchange.message = Some(w.chat_message(id).await?);
        w.commit().await?;
        Ok(exchange)
    }

    /// Applies a pending proposal of the history and marks it applied, once.
    pub async fn chat_apply(
        &self,
        recipe_id: Option<i64>,
        message_id: i64,
        request: &str,
        proposal: &Proposal,
        actor: &str,
    ) -> ServiceResult<Applied> {
        let data = load(self.store(), recipe_id, actor).await?;
        let mut w = self.begin().await?;
        w.lock(LockedTable::ChatMessage, message_id).await?;
        let before = w.chat_message(message_id).await?;
        refuse_others_proposal(&before, actor, "apply")?;
        before.status.check_transition(ChatStatus::Applied)?;
        let base = before.base_version.as_deref();
        let applied = self
            .apply_in(&mut w, &data, proposal, base, request, actor)
            .await?;
        w.mark(message_id, ChatStatus::Applied, actor).await?;
        if recipe_id.is_none() {
            // A recipe made from the general chat takes the conversation
            // that made it: its chat goes on where this one left off.
            let moved = w
                .move_chat_to_recipe(&before.created_by, message_id, applied.recipe_id)
                .await?;
            for id in moved {
                w.audit(
                    actor,
                    "chat",
                    id,
                    "move",
                    json!({"recipe_id": applied.recipe_id}),
                )
                .await?;
            }
        }
        w.commit().await?;
        Ok(applied)
    }

    /// Rejects a pending proposal, once.
    pub async fn chat_reject(&self, message_id: i64, actor: &str) -> ServiceResult<()> {
        let mut w = self.begin().await?;
        w.lock(LockedTable::ChatMessage, message_id).await?;
        let before = w.chat_message(message_id).await?;
        refuse_others_proposal(&before, actor, "reject")?;
        before.status.check_transition(ChatStatus::Rejected)?;
        w.mark(message_id, ChatStatus::Rejected, actor).await?;
        w.commit().await
    }

    /// A proposal as a new version of the open recipe, or a new recipe from
    /// the family's baseline, with a note that lists what it does (the
    /// request itself when it lists nothing). An edit is applied to the
    /// version it was proposed against (`base`) and merged with any saved
    /// since, never replayed blindly onto them.
    async fn apply_in(
        &self,
        w: &mut Work,
        data: &ChatData,
        proposal: &Proposal,
        base: Option<&str>,
        request: &str,
        actor: &str,
    ) -> ServiceResult<Applied> {
        let summary = match proposal {
            Proposal::Edit { summary, .. } | Proposal::NewRecipe { summary, .. } => summary,
        };
        let note = match summary.is_empty() {
            true => format!("Chat: \"{}\"", request.trim()),
            false => format!("Chat: {}", summary.join("; ")),
        };
        match proposal {
            Proposal::Edit { patch, .. } => {
                let (Some(recipe), Some(latest)) = (&data.recipe, &data.manifest) else {
                    return Err(invalid("no recipe is open to apply the change to"));
                };
                let proposed_on = match base {
                    Some(number) if Some(number) != data.version.as_deref() => {
                        w.version(recipe, Some(number)).await?.manifest_json
                    }
                    _ => latest.clone(),
                };
                let changed = crate::domain::diff::apply_patch(&proposed_on, patch)
                    .map_err(ServiceError::Invalid)?;
                let outcome = self
                    .commit_version_in(
                        w,
                        NewVersion {
                            recipe_id: recipe.id,
                            manifest: changed,
                            bump: Default::default(),
                            change_note: note,
                            parent_version_id: None,
                            base_version: base.map(str::to_string),
                        },
                        actor,
                    )
                    .await?;
                let v = outcome.version();
                Ok(Applied {
                    recipe_id: recipe.id,
                    recipe: recipe.name.clone(),
                    version: v.version_number.clone(),
                    message: format!("saved '{}' {}", recipe.name, v.version_number),
                })
            }
            Proposal::NewRecipe {
                family,
                name,
                manifest,
                ..
            } => {
                let baseline_name = crate::baselines::baseline_name(*family)?;
                let baseline = w.find_recipe(&baseline_name).await?;
                let recipe = self
                    .create_recipe_in(
                        w,
                        NewRecipe {
                            name: name.clone(),
                            model_family: *family,
                            level: RecipeLevel::Industry,
                            parent_id: Some(baseline.id),
                            tags: vec![family.to_string()],
                            manifest: manifest.clone(),
                            change_note: note,
                            approved: false,
                        },
                        actor,
                    )
                    .await?;
                Ok(Applied {
                    recipe_id: recipe.id,
                    recipe: recipe.name.clone(),
                    version: "1.0.0".into(),
                    message: format!("created '{}' 1.0.0 from '{}'", recipe.name, baseline.name),
                })
            }
        }
    }
}

/// A proposal is its author's: another person reads none of it (each has
/// their own conversation), and neither applies nor rejects it.
fn refuse_others_proposal(message: &ChatMessage, actor: &str, what: &str) -> ServiceResult<()> {
    if message.created_by != actor {
        return Err(ServiceError::forbidden(format!(
            "this proposal is {}'s: only its author can {what} it",
            message.created_by
        )));
    }
    if message.status == ChatStatus::Superseded {
        return Err(ServiceError::stale(
            "this proposal was superseded by your newer request: apply that one",
        ));
    }
    Ok(())
}

impl Work {
    async fn add_message(
        &mut self,
        recipe_id: Option<i64>,
        role: ChatRole,
        text: &str,
        proposal: Option<&Value>,
        base_version: Option<&str>,
        actor: &str,
    ) -> ServiceResult<i64> {
        let status = if proposal.is_some() {
            ChatStatus::Proposed
        } else {
            ChatStatus::None
        };
        let at = self.at;
        let id = self
            .insert_chat_message(&ChatRow {
                recipe_id,
                role,
                text,
                proposal,
                status,
                actor,
                at,
                base_version: base_version.filter(|_| proposal.is_some()),
            })
            .await?;
        self.audit(
            actor,
            "chat",
            id,
            "create",
            json!({"recipe_id": recipe_id, "role": role}),
        )
        .await?;
        Ok(id)
    }

    async fn mark(&mut self, id: i64, status: ChatStatus, actor: &str) -> ServiceResult<()> {
        self.set_chat_status(id, status).await?;
        self.audit(actor, "chat", id, status.as_str(), json!({}))
            .await
    }
}
