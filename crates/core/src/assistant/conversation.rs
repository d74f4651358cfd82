//! What a conversation is made of: the surroundings a request is read in,
//! the reply, the change it proposes and the intent it was read as. Every
//! part of the assistant reads these; they use none of it.

use crate::domain::ModelFamily;
use serde_json::Value;

/// What the assistant knows about the conversation's surroundings.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Name of the recipe the user is looking at, if any.
    pub recipe_name: Option<&'a str>,
    /// The current recipe's effective manifest; edits are proposed against it.
    pub manifest: Option<&'a Value>,
    /// The recipe's versions, newest first.
    pub versions: &'a [VersionInfo],
    /// Latest monitoring of a model built from the recipe.
    pub monitoring: Option<&'a MonitoringInfo>,
    /// Baseline manifest of each family; new recipes are cloned from these.
    pub baselines: &'a [(ModelFamily, &'a Value)],
    /// The user's earlier messages in this conversation, oldest first:
    /// what "it" and "the second one" refer to.
    pub history: &'a [String],
    /// A proposal made and not yet applied: follow-up changes build on it.
    pub pending: Option<&'a Proposal>,
}

/// One saved version of the current recipe.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionInfo {
    pub number: String,
    pub note: String,
    pub created_by: String,
    pub manifest: Value,
}

/// The latest monitoring snapshot of a model, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitoringInfo {
    pub model_name: String,
    /// Metric name -> value.
    pub latest_performance: Value,
    /// Either column -> {psi|score|statistic...} or a drift report with
    /// `columns` and `drift_share`.
    pub latest_drift: Value,
    /// e.g. {"staleness_hours": 4.2, "max_staleness_hours": 36}.
    pub freshness: Value,
    pub open_alerts: Vec<AlertInfo>,
}

/// An alert that is currently open.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertInfo {
    pub rule: String,
    pub severity: String,
    pub message: String,
}

/// The assistant's answer to one request.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Reply {
    pub intent: Intent,
    /// A few plain-text lines: the answer, or exactly what the proposal changes,
    /// or why nothing is proposed.
    pub text: String,
    pub proposal: Option<Proposal>,
    /// Requests to try next (clickable prompts).
    pub suggestions: Vec<String>,
}

/// A change the user can review and apply.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Proposal {
    /// A patch against `Context::manifest`.
    Edit {
        patch: json_patch::Patch,
        summary: Vec<String>,
    },
    /// A new recipe cloned from the family's baseline: `patch` turns the
    /// baseline manifest into `manifest`.
    NewRecipe {
        family: ModelFamily,
        name: String,
        manifest: Value,
        patch: json_patch::Patch,
        summary: Vec<String>,
    },
}

/// What the assistant took the request to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// "create a forecasting model for weekly retail sales"
    CreateRecipe,
    /// "add a feature holiday_flag to the calendar feature set"
    AddFeature,
    /// "remove the feature is_on_display"
    RemoveFeature,
    /// "add a feature set weather with temp_max and rain_mm"
    AddFeatureSet,
    /// "remove the promotions feature set"
    RemoveFeatureSet,
    /// "make MAPE under 12%", "AUC at least 0.8"
    SetMetricThreshold,
    /// "use rolling origin validation with 6 folds"
    SetValidation,
    /// "make it realtime", "switch to batch"
    SetDeploymentMode,
    /// "run it daily at 6am"
    SetSchedule,
    /// "monitor drift on price and promo_flag with PSI above 0.2"
    ConfigureDrift,
    /// "alert me when mape goes above 0.15"
    AddAlert,
    /// "remove the stale_sales_feed alert"
    RemoveAlert,
    /// "data must be fresher than 12 hours"
    SetFreshness,
    /// "lern rate 0.03", "give the job 64gb", "stop excluding test accounts"
    SetSetting,
    /// "what metrics does this use?"
    AskMetrics,
    /// "what features does it use?"
    AskFeatures,
    /// "what changed since 1.2.0?"
    AskChanges,
    /// "why is this model alerting?"
    AskAlerting,
    /// "when does it run?"
    AskDeployment,
    /// "what is monitored for drift?"
    AskMonitoring,
    /// "how is it validated?"
    AskValidation,
    /// "describe this recipe"
    AskOverview,
    /// "help", "what can you do?"
    Help,
    /// Not understood: the reply offers the nearest things it can do.
    Unknown,
    /// Understood but refused: unknown names, invalid results, no recipe...
    Declined,
}

impl Intent {
    /// The snake_case name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::CreateRecipe => "create_recipe",
            Intent::AddFeature => "add_feature",
            Intent::RemoveFeature => "remove_feature",
            Intent::AddFeatureSet => "add_feature_set",
            Intent::RemoveFeatureSet => "remove_feature_set",
            Intent::SetMetricThreshold => "set_metric_threshold",
            Intent::SetValidation => "set_validation",
            Intent::SetDeploymentMode => "set_deployment_mode",
            Intent::SetSchedule => "set_schedule",
            Intent::ConfigureDrift => "configure_drift",
            Intent::AddAlert => "add_alert",
            Intent::RemoveAlert => "remove_alert",
            Intent::SetFreshness => "set_freshness",
            Intent::SetSetting => "set_setting",
            Intent::AskMetrics => "ask_metrics",
            Intent::AskFeatures => "ask_features",
            Intent::AskChanges => "ask_changes",
            Intent::AskAlerting => "ask_alerting",
            Intent::AskDeployment => "ask_deployment",
            Intent::AskMonitoring => "ask_monitoring",
            Intent::AskValidation => "ask_validation",
            Intent::AskOverview => "ask_overview",
            Intent::Help => "help",
            Intent::Unknown => "unknown",
            Intent::Declined => "declined",
        }
    }

    /// An edit of the current recipe's manifest.
    pub fn is_edit(self) -> bool {
        matches!(
            self,
            Intent::AddFeature
                | Intent::RemoveFeature
                | Intent::AddFeatureSet
                | Intent::RemoveFeatureSet
                | Intent::SetMetricThreshold
                | Intent::SetValidation
                | Intent::SetDeploymentMode
                | Intent::SetSchedule
                | Intent::ConfigureDrift
                | Intent::AddAlert
                | Intent::RemoveAlert
                | Intent::SetFreshness
                | Intent::SetSetting
        )
    }

    /// A question answered from the context, never with a proposal.
    pub fn is_question(self) -> bool {
        matches!(
            self,
            Intent::AskMetrics
                | Intent::AskFeatures
                | Intent::AskChanges
                | Intent::AskAlerting
                | Intent::AskDeployment
                | Intent::AskMonitoring
                | Intent::AskValidation
                | Intent::AskOverview
        )
    }
}

/// How the reply names the current recipe.
pub(super) fn recipe_label(ctx: &Context, manifest: &Value) -> String {
    ctx.recipe_name
        .map(str::to_string)
        .or_else(|| crate::domain::manifest::name_of(manifest).map(str::to_string))
        .map(|n| format!("'{n}'"))
        .unwrap_or_else(|| "this recipe".to_string())
}
