//! The app's forms: what each asks, the data its pickers need, and the
//! change it submits.

use super::form::{Check, Choice, Field, Form};
use super::submit::Submission;
use crate::domain::lifecycle::Lifecycle;
use crate::domain::{ModelFamily, ModelStatus, RecipeLevel, RunStatus, RunType};
use crate::service::ServiceResult;
use crate::service::changes::{
    AddSnapshot, CloneRecipe, CreateRecipe, FirstManifest, MoveModel, PutExample, StartingPoint,
    TagRuns, UpdateModel, UpdateRecipe, UpdateRun,
};
use crate::store::{
    ModelQuery, NewExample, NewModel, NewRun, NewSnapshot, RecipeQuery, RunChanges, Store,
    StoreResult,
};
use serde_json::Value;

/// What submitting a form does.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    CreateRecipe,
    EditRecipe {
        id: i64,
    },
    Clone {
        parent_id: i64,
    },
    /// First step of registering from the Models tab: which recipe.
    PickRecipeToRegister,
    Register {
        recipe_id: i64,
    },
    EditModel {
        id: i64,
    },
    Promote {
        id: i64,
        name: String,
        /// The status the form was opened from: a move made meanwhile refuses.
        from: ModelStatus,
    },
    /// First step of a new run from the Runs tab: which recipe.
    PickRunRecipe,
    CreateRun {
        recipe_id: i64,
    },
    UpdateRun {
        id: i64,
    },
    TagRuns {
        ids: Vec<i64>,
    },
    AddSnapshot {
        model_id: i64,
    },
    PutExample {
        recipe_id: i64,
    },
    /// An experiment made through MLflow, linked to the recipe picked.
    LinkExperiment {
        experiment: i64,
        name: String,
    },
}

pub type AppForm = Form<Purpose>;

/// A form to open, before its pickers' data is loaded.
#[derive(Debug, Clone, PartialEq)]
pub enum FormRequest {
    CreateRecipe,
    EditRecipe(i64),
    Clone(i64),
    PickRecipeToRegister,
    Register(i64),
    EditModel(i64),
    Promote(i64),
    /// Prefilled from a recipe or a model when opened from one; with
    /// neither, the recipe is picked first.
    CreateRun {
        recipe_id: Option<i64>,
        model_id: Option<i64>,
    },
    UpdateRun(i64),
    /// A tag for each of these runs (the marked ones).
    TagRuns(Vec<i64>),
    AddSnapshot(i64),
    PutExample(i64),
    LinkExperiment {
        experiment: i64,
        name: String,
    },
}

fn choices<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice::new(v.to_string(), v.to_string()))
        .collect()
}

/// How many choices a searched picker holds: the first ones by name, then
/// what the typed text finds.
pub const PICKER_WINDOW: i64 = 200;

/// The choices of a searched picker (`field` of a form for `purpose`) whose
/// names contain `text`, at most `PICKER_WINDOW`.
pub async fn search(
    store: &dyn Store,
    purpose: &Purpose,
    field: &str,
    text: &str,
    so_far: &[(&'static str, String)],
) -> StoreResult<Vec<Choice>> {
    let text = text.trim();
    let search = (!text.is_empty()).then(|| text.to_string());
    let value = |name: &str| {
        so_far
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    if field == "model" {
        // A run's model is one of its recipe's, once the recipe is chosen.
        let models = store
            .list_models(&ModelQuery {
                search,
                recipe_id: match purpose {
                    Purpose::CreateRun { recipe_id } => Some(*recipe_id),
                    _ => value("recipe").and_then(|v| v.parse().ok()),
                },
                limit: PICKER_WINDOW,
                ..Default::default()
            })
            .await?;
        return Ok(models.items.iter().map(model_choice).collect());
    }
    // A new recipe's parent is of its family, one level up.
    let (family, parent_level) = match purpose {
        Purpose::CreateRecipe => (
            value("family").and_then(|v| v.parse::<ModelFamily>().ok()),
            value("level")
                .and_then(|v| v.parse::<RecipeLevel>().ok())
                .map(RecipeLevel::parent_level),
        ),
        _ => (None, None),
    };
    if parent_level == Some(None) {
        // A baseline has no parent: only the fixed "(none)" choice fits.
        return Ok(Vec::new());
    }
    let recipes = store
        .list_recipes(&RecipeQuery {
            search,
            family,
            level: parent_level.flatten(),
            names_only: true,
            skip_count: true,
            limit: PICKER_WINDOW,
            ..Default::default()
        })
        .await?
        .items;
    Ok(match purpose {
        Purpose::CreateRecipe => recipes
            .iter()
            .filter(|p| p.level != RecipeLevel::Client)
            .map(|p| {
                Choice::new(
                    format!("{} ({}, {})", p.name, p.level, p.model_family),
                    p.id.to_string(),
                )
            })
            .collect(),
        Purpose::PickRecipeToRegister => recipes
            .iter()
            .map(|r| Choice {
                // A recipe that cannot be picked says why in its reason only.
                label: match &r.approved_version {
                    Some(v) => format!("{} (approved {v})", r.name),
                    None => r.name.clone(),
                },
                value: r.id.to_string(),
                disabled: r
                    .approved_version
                    .is_none()
                    .then(|| "no approved version: approve one first".to_string()),
            })
            .collect(),
        _ => recipes
            .iter()
            .map(|r| {
                Choice::new(
                    format!(
                        "{} (latest {})",
                        r.name,
                        r.latest_version.clone().unwrap_or_default()
                    ),
                    r.id.to_string(),
                )
            })
            .collect(),
    })
}

fn model_choice(m: &crate::store::Model) -> Choice {
    Choice::new(
        format!("{} ({} {})", m.name, m.recipe_name, m.recipe_version),
        m.id.to_string(),
    )
}

/// Loads what a form's pickers offer and builds it.
pub async fn prepare(
    store: &dyn Store,
    request: FormRequest,
    user: &str,
) -> ServiceResult<AppForm> {
    Ok(match request {
        FormRequest::CreateRecipe => create_recipe_form(store).await?,
        FormRequest::EditRecipe(id) => {
            let r = store.recipe(id).await?;
            Form::new(
                format!("Rename or retag '{}'", r.name),
                vec![
                    Field::text("name", "Name", &r.name, Check::Required),
                    Field::text("tags", "Tags", &r.tags.join(", "), Check::None)
                        .with_hint("comma-separated"),
                ],
                Purpose::EditRecipe { id },
            )
        }
        FormRequest::Clone(parent_id) => clone_form(store, parent_id).await?,
        FormRequest::PickRecipeToRegister => {
            let list = search(store, &Purpose::PickRecipeToRegister, "recipe", "", &[]).await?;
            Form::new(
                "Register a model: which recipe?",
                vec![
                    Field::picker("recipe", "Recipe", list, None)
                        .searched(0)
                        .with_hint("type to search"),
                ],
                Purpose::PickRecipeToRegister,
            )
        }
        FormRequest::Register(recipe_id) => register_form(store, recipe_id, user).await?,
        FormRequest::EditModel(id) => {
            let m = store.model(id).await?;
            Form::new(
                format!("Model '{}'", m.name),
                vec![
                    Field::text("name", "Name", &m.name, Check::Required),
                    Field::text("owner", "Owner", &m.owner, Check::Required),
                ],
                Purpose::EditModel { id },
            )
        }
        FormRequest::Promote(id) => promote_form(store, id).await?,
        FormRequest::CreateRun {
            recipe_id: None,
            model_id: None,
        } => {
            let list = search(store, &Purpose::PickRunRecipe, "recipe", "", &[]).await?;
            Form::new(
                "New run: of which recipe?",
                vec![
                    Field::picker("recipe", "Recipe", list, None)
                        .searched(0)
                        .with_hint("type to search"),
                ],
                Purpose::PickRunRecipe,
            )
        }
        FormRequest::CreateRun {
            recipe_id,
            model_id,
        } => create_run_form(store, recipe_id, model_id).await?,
        FormRequest::UpdateRun(id) => update_run_form(store, id).await?,
        FormRequest::TagRuns(ids) => Form::new(
            format!("Tag {} run(s): {}", ids.len(), listed(&ids)),
            vec![
                Field::text("tags", "Tags", "", Check::Required)
                    .with_hint("key=value, several separated by commas"),
            ],
            Purpose::TagRuns { ids },
        ),
        FormRequest::AddSnapshot(model_id) => snapshot_form(store, model_id).await?,
        FormRequest::PutExample(recipe_id) => example_form(store, recipe_id).await?,
        FormRequest::LinkExperiment { experiment, name } => {
            let purpose = Purpose::LinkExperiment { experiment, name };
            let list = search(store, &purpose, "recipe", "", &[]).await?;
            let Purpose::LinkExperiment { name, .. } = &purpose else {
                unreachable!("made above");
            };
            Form::new(
                format!("Link experiment '{name}' to which recipe?"),
                vec![
                    Field::picker("recipe", "Recipe", list, None)
                        .searched(0)
                        .with_hint("its runs become this recipe's newest version's"),
                ],
                purpose,
            )
        }
    })
}

/// "41, 42, 43", the first few of many.
fn listed(ids: &[i64]) -> String {
    const SHOWN: usize = 8;
    let mut text = ids
        .iter()
        .take(SHOWN)
        .map(|id| id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        text.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    text
}

/// "a=1, b=two" as tags; a part without `=` or a key says which.
fn tag_list(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| format!("'{part}' is not key=value"))
        })
        .collect()
}

fn json_or_empty(text: &str, empty: Value) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(empty);
    }
    serde_json::from_str(text).map_err(|e| e.to_string())
}

fn id(text: &str, what: &str) -> Result<i64, String> {
    text.parse().map_err(|_| format!("pick a {what}"))
}

fn tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

/// What a filled-in form submits; `Err` says what to fix.
pub enum Next {
    Submit(Submission),
    /// Open another form (a two-step flow).
    Open(FormRequest),
    /// Ask before a destructive change.
    Confirm(String, Submission),
}

pub fn submission(form: &AppForm) -> Result<Next, String> {
    let v = |name: &str| form.value(name).to_string();
    Ok(match &form.purpose {
        Purpose::CreateRecipe => {
            let parent = v("parent").parse().ok();
            // A child starts as a copy of its parent's pinned version.
            let start = match (parent, v("start") != "empty") {
                (Some(_), _) => StartingPoint::Parent,
                (None, true) => StartingPoint::Baseline,
                (None, false) => StartingPoint::Skeleton,
            };
            Next::Submit(Submission::CreateRecipe(CreateRecipe {
                name: v("name"),
                family: v("family")
                    .parse()
                    .map_err(|e: crate::domain::kinds::UnknownKind| e.to_string())?,
                level: v("level")
                    .parse()
                    .map_err(|e: crate::domain::kinds::UnknownKind| e.to_string())?,
                parent,
                tags: tags(&v("tags")),
                first: FirstManifest::From(start),
                note: "Created in the app".into(),
            }))
        }
        Purpose::EditRecipe { id } => Next::Submit(Submission::UpdateRecipe(UpdateRecipe {
            recipe: *id,
            name: Some(v("name")),
            tags: Some(tags(&v("tags"))),
        })),
        Purpose::Clone { parent_id } => Next::Submit(Submission::CloneRecipe(CloneRecipe::of(
            *parent_id,
            v("name"),
        ))),
        Purpose::PickRecipeToRegister => {
            Next::Open(FormRequest::Register(id(&v("recipe"), "recipe")?))
        }
        Purpose::Register { recipe_id } => Next::Submit(Submission::RegisterModel(NewModel {
            recipe_id: *recipe_id,
            version: Some(v("version")),
            name: v("name"),
            owner: v("owner"),
        })),
        Purpose::EditModel { id } => Next::Submit(Submission::UpdateModel(UpdateModel {
            model: *id,
            name: Some(v("name")),
            owner: Some(v("owner")),
        })),
        Purpose::Promote { id, name, from } => {
            let picked = v("status");
            let force = picked == FORCED_PRODUCTION;
            let to: ModelStatus = picked
                .trim_end_matches('!')
                .parse()
                .map_err(|e: crate::domain::kinds::UnknownKind| e.to_string())?;
            let reason = v("reason").trim().to_string();
            let forced = match (force, reason.is_empty()) {
                (true, true) => {
                    return Err("past the gate needs a force reason: why (it is audited)".into());
                }
                (true, false) => Some(reason),
                (false, true) => None,
                (false, false) => {
                    return Err("a force reason is for production past its gate only".into());
                }
            };
            let question = match (to, &forced) {
                (ModelStatus::Retired, _) => Some(format!(
                    "Retire '{name}'? Retired is final: it cannot run or move again."
                )),
                (ModelStatus::Production, Some(reason)) => Some(format!(
                    "Promote '{name}' to production past its gate, because \"{reason}\"? The override and what it overrode are audited."
                )),
                (ModelStatus::Production, None) => Some(format!(
                    "Promote '{name}' to production? It is then the model in use, and the move is audited."
                )),
                _ => None,
            };
            let submit = Submission::MoveModel(MoveModel::to(*id, to).seen(*from).forced(forced));
            match question {
                Some(question) => Next::Confirm(question, submit),
                None => Next::Submit(submit),
            }
        }
        Purpose::LinkExperiment { experiment, name } => Next::Confirm(
            format!(
                "Link experiment '{name}' to recipe {}? Its runs become the recipe's (of its newest version); this cannot be undone.",
                form.chosen_label("recipe")
            ),
            Submission::LinkExperiment {
                experiment: *experiment,
                recipe: id(&v("recipe"), "recipe")?,
            },
        ),
        Purpose::PickRunRecipe => Next::Open(FormRequest::CreateRun {
            recipe_id: Some(id(&v("recipe"), "recipe")?),
            model_id: None,
        }),
        Purpose::CreateRun { recipe_id } => Next::Submit(Submission::CreateRun(NewRun {
            recipe_id: *recipe_id,
            version: Some(v("version")).filter(|s| !s.is_empty()),
            model_id: v("model").parse().ok(),
            run_type: v("type")
                .parse()
                .map_err(|e: crate::domain::kinds::UnknownKind| e.to_string())?,
        })),
        Purpose::TagRuns { ids } => Next::Submit(Submission::TagRuns(TagRuns {
            runs: ids.clone(),
            tags: tag_list(&v("tags"))?,
        })),
        Purpose::UpdateRun { id } => Next::Submit(Submission::UpdateRun(UpdateRun {
            run: *id,
            changes: RunChanges {
                status: v("status").parse().ok(),
                metrics: Some(v("metrics"))
                    .filter(|s| !s.is_empty())
                    .map(|s| json_or_empty(&s, Value::Null))
                    .transpose()?,
                artifacts: Some(v("artifacts"))
                    .filter(|s| !s.is_empty())
                    .map(|s| json_or_empty(&s, Value::Null))
                    .transpose()?,
                append_log: Some(v("log")).filter(|s| !s.is_empty()),
            },
        })),
        Purpose::AddSnapshot { model_id } => Next::Submit(Submission::AddSnapshot(AddSnapshot {
            model: *model_id,
            snapshot: NewSnapshot {
                // Stamped when it is stored.
                captured_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
                performance: json_or_empty(&v("performance"), serde_json::json!({}))?,
                drift: json_or_empty(&v("drift"), serde_json::json!({}))?,
                freshness: json_or_empty(&v("freshness"), serde_json::json!({}))?,
                alerts: serde_json::json!([]),
            },
        })),
        Purpose::PutExample { recipe_id } => Next::Submit(Submission::PutExample(PutExample {
            recipe: *recipe_id,
            example: NewExample {
                dataset_schema: json_or_empty(&v("schema"), serde_json::json!({}))?,
                sample_rows: json_or_empty(&v("rows"), serde_json::json!([]))?,
                example_run: json_or_empty(&v("run"), serde_json::json!({}))?,
            },
        })),
    })
}

async fn create_recipe_form(store: &dyn Store) -> ServiceResult<AppForm> {
    let mut parent_choices = vec![Choice::new("(none: a baseline)", "")];
    parent_choices.extend(search(store, &Purpose::CreateRecipe, "parent", "", &[]).await?);
    let mut parent = Field::picker("parent", "Parent", parent_choices, Some("")).searched(1);
    parent.check = Check::None;
    Ok(Form::new(
        "New recipe",
        vec![
            Field::text("name", "Name", "", Check::Required),
            Field::picker("family", "Family", choices(ModelFamily::ALL), None),
            Field::picker("level", "Level", choices(RecipeLevel::ALL), None),
            parent.with_hint("industry needs a baseline parent, client an industry one"),
            Field::text("tags", "Tags", "", Check::None).with_hint("comma-separated"),
            Field::picker(
                "start",
                "Start from",
                vec![
                    Choice::new("the family's baseline (or the parent)", "baseline"),
                    Choice::new("an empty skeleton", "empty"),
                ],
                None,
            ),
        ],
        Purpose::CreateRecipe,
    ))
}

async fn clone_form(store: &dyn Store, parent_id: i64) -> ServiceResult<AppForm> {
    let p = store.recipe(parent_id).await?;
    let level = p
        .level
        .child_level()
        .map(|l| l.to_string())
        .unwrap_or("-".into());
    Ok(Form::new(
        format!("Clone '{}' into a new {level} recipe", p.name),
        vec![
            Field::text("name", "Name", "", Check::Required).with_hint(&format!(
                "pinned to {} {}",
                p.name,
                p.approved_version.or(p.latest_version).unwrap_or_default()
            )),
        ],
        Purpose::Clone { parent_id },
    ))
}

/// Only approved versions can be picked; drafts are shown with why not.
async fn register_form(store: &dyn Store, recipe_id: i64, user: &str) -> ServiceResult<AppForm> {
    let r = store.recipe(recipe_id).await?;
    let versions = store.versions(recipe_id).await?;
    let list = versions
        .iter()
        .map(|v| Choice {
            label: format!(
                "{} {}",
                v.version_number,
                if v.is_approved() { "approved" } else { "draft" }
            ),
            value: v.version_number.clone(),
            disabled: (!v.is_approved()).then(|| {
                format!(
                    "{} is not approved: models come from approved versions",
                    v.version_number
                )
            }),
        })
        .collect();
    Ok(Form::new(
        format!("Register a model from '{}'", r.name),
        vec![
            Field::picker("version", "Version", list, r.approved_version.as_deref()),
            Field::text("name", "Model name", "", Check::Required),
            Field::text("owner", "Owner", user, Check::Required),
        ],
        Purpose::Register { recipe_id },
    ))
}

/// The promote form's choice of production past a closed gate.
const FORCED_PRODUCTION: &str = "production!";

async fn promote_form(store: &dyn Store, id: i64) -> ServiceResult<AppForm> {
    let m = store.model(id).await?;
    // The allowed moves first, forward before back; the rest shown with why not.
    let mut next: Vec<Choice> = m
        .status
        .next()
        .iter()
        .map(|s| Choice::new(s.to_string(), s.to_string()))
        .collect();
    // Production only when the gate is open: else shown with why not, and
    // offered past the gate with a reason (as `--force`).
    if let Some(production) = next.iter_mut().find(|c| c.value == "production") {
        let mut session = store.read().await?;
        let gate = crate::service::models::production_gate(&mut session, &m).await?;
        production.disabled = gate.err().map(|refusal| refusal.brief());
        if production.disabled.is_some() {
            next.push(Choice::new(
                "production, past the gate (a force reason below, audited)",
                FORCED_PRODUCTION,
            ));
        }
    }
    next.sort_by_key(|c| c.disabled.is_some());
    next.extend(
        ModelStatus::ALL
            .iter()
            .filter(|s| **s != m.status && !m.status.next().contains(s))
            .map(|s| Choice {
                label: s.to_string(),
                value: s.to_string(),
                disabled: m.status.check_transition(*s).err().map(|e| e.to_string()),
            }),
    );
    // The reason is asked only where the gate is closed.
    let forcible = next.iter().any(|c| c.value == FORCED_PRODUCTION);
    let mut fields = vec![
        Field::picker("status", "To", next, None).with_hint("only the allowed moves can be picked"),
    ];
    if forcible {
        fields.push(
            Field::text("reason", "Force reason", "", Check::None)
                .with_hint("production past its gate only: why (audited, as --force)"),
        );
    }
    Ok(Form::new(
        format!("Move '{}' from {}", m.name, m.status),
        fields,
        Purpose::Promote {
            id,
            name: m.name,
            from: m.status,
        },
    ))
}

/// A run of a known recipe (the one opened from, the model's, or the one
/// picked first): its versions and its models are pickers.
async fn create_run_form(
    store: &dyn Store,
    recipe_id: Option<i64>,
    model_id: Option<i64>,
) -> ServiceResult<AppForm> {
    let preset = match model_id {
        Some(id) => Some(store.model(id).await?),
        None => None,
    };
    let recipe_id = match (recipe_id, &preset) {
        (Some(id), _) => id,
        (None, Some(m)) => m.recipe_id,
        (None, None) => {
            return Err(crate::store::StoreError::Refused("pick a recipe".into()).into());
        }
    };
    let recipe = store.recipe(recipe_id).await?;
    let mut versions = vec![Choice::new(
        format!(
            "(default: the model's, else {})",
            recipe.latest_version.clone().unwrap_or_default()
        ),
        "",
    )];
    versions.extend(store.versions(recipe_id).await?.iter().map(|v| {
        let state = if v.is_approved() { "approved" } else { "draft" };
        Choice::new(
            format!("{} {state}", v.version_number),
            v.version_number.clone(),
        )
    }));
    let mut version = Field::picker("version", "Version", versions, Some(""));
    version.check = Check::None;
    let models = store
        .list_models(&ModelQuery {
            recipe_id: Some(recipe_id),
            limit: PICKER_WINDOW,
            ..Default::default()
        })
        .await?
        .items;
    let mut model_choices = vec![Choice::new("(no model)", "")];
    model_choices.extend(models.iter().map(model_choice));
    if let Some(m) = &preset
        && !models.iter().any(|x| x.id == m.id)
    {
        model_choices.push(model_choice(m));
    }
    let mut model = Field::picker(
        "model",
        "Model",
        model_choices,
        Some(&model_id.map(|m| m.to_string()).unwrap_or_default()),
    )
    .searched(1);
    model.check = Check::None;
    Ok(Form::new(
        format!("New run of '{}'", recipe.name),
        vec![
            version,
            model,
            Field::picker("type", "Type", choices(RunType::ALL), None),
        ],
        Purpose::CreateRun { recipe_id },
    ))
}

async fn update_run_form(store: &dyn Store, id: i64) -> ServiceResult<AppForm> {
    let r = store.run(id).await?;
    let mut statuses = vec![Choice::new(format!("(keep {})", r.status), "")];
    statuses.extend(
        RunStatus::ALL
            .iter()
            .filter(|s| **s != r.status)
            .map(|s| Choice {
                label: s.to_string(),
                value: s.to_string(),
                disabled: r.status.check_transition(*s).err().map(|e| e.to_string()),
            }),
    );
    let mut status = Field::picker("status", "Status", statuses, Some(""));
    status.check = Check::None;
    Ok(Form::new(
        format!("Run {} ({})", r.id, r.status),
        vec![
            status,
            Field::text("metrics", "Metrics", "", Check::JsonObject)
                .with_hint("JSON object merged into the metrics, e.g. {\"mape\": 0.1}"),
            Field::text("artifacts", "Artifacts", "", Check::JsonObject)
                .with_hint("JSON object, e.g. {\"model\": \"s3://...\"}"),
            Field::text("log", "Append to log", "", Check::None),
        ],
        Purpose::UpdateRun { id },
    ))
}

async fn snapshot_form(store: &dyn Store, model_id: i64) -> ServiceResult<AppForm> {
    let m = store.model(model_id).await?;
    Ok(Form::new(
        format!("Snapshot of '{}'", m.name),
        vec![
            Field::text("performance", "Performance", "", Check::JsonObject)
                .with_hint("{\"mape\": 0.11}"),
            Field::text("drift", "Drift", "", Check::JsonObject)
                .with_hint("{\"price\": {\"psi\": 0.05}}"),
            Field::text("freshness", "Freshness", "", Check::JsonObject)
                .with_hint("{\"staleness_hours\": 4, \"max_staleness_hours\": 36}"),
        ],
        Purpose::AddSnapshot { model_id },
    ))
}

async fn example_form(store: &dyn Store, recipe_id: i64) -> ServiceResult<AppForm> {
    let r = store.recipe(recipe_id).await?;
    let current = store.example(recipe_id).await?;
    let show = |v: Option<&Value>| v.map(|v| v.to_string()).unwrap_or_default();
    Ok(Form::new(
        format!("Synthetic example of '{}'", r.name),
        vec![
            Field::text(
                "schema",
                "Dataset schema",
                &show(current.as_ref().map(|e| &e.dataset_schema_json)),
                Check::JsonObject,
            )
            .with_hint("{\"columns\": [{\"name\": ..., \"type\": ...}]}"),
            Field::text(
                "rows",
                "Sample rows",
                &show(current.as_ref().map(|e| &e.sample_rows_json)),
                Check::JsonArray,
            )
            .with_hint("[{...}, ...]"),
            Field::text(
                "run",
                "Example run",
                &show(current.as_ref().map(|e| &e.example_run_json)),
                Check::JsonObject,
            ),
        ],
        Purpose::PutExample { recipe_id },
    ))
}
