//! An item's fields as a user command (`[[commands]]`) reads them: names
//! that say what they hold, so `nexml run show $RUN_ID` or a script's
//! `$MODEL` mean the selected run or model.

use crate::store::{Model, Recipe, Run};

pub type Fields = Vec<(&'static str, String)>;

pub fn recipe(r: &Recipe) -> Fields {
    vec![
        ("RECIPE_ID", r.id.to_string()),
        ("RECIPE", r.name.clone()),
        (
            "RECIPE_VERSION",
            r.latest_version.clone().unwrap_or_default(),
        ),
        ("FAMILY", r.model_family.to_string()),
    ]
}

pub fn model(m: &Model) -> Fields {
    vec![
        ("MODEL_ID", m.id.to_string()),
        ("MODEL", m.name.clone()),
        ("MODEL_STATUS", m.status.to_string()),
        ("RECIPE_ID", m.recipe_id.to_string()),
        ("RECIPE", m.recipe_name.clone()),
        ("RECIPE_VERSION", m.recipe_version.clone()),
        ("FAMILY", m.model_family.to_string()),
    ]
}

pub fn run(r: &Run) -> Fields {
    let mut fields = vec![
        ("RUN_ID", r.id.to_string()),
        ("RUN_TYPE", r.run_type.to_string()),
        ("RUN_STATUS", r.status.to_string()),
        ("EXPERIMENT_ID", r.experiment_id.to_string()),
        ("EXPERIMENT", r.experiment_name.clone()),
    ];
    if let (Some(id), Some(name), Some(version)) = (r.recipe_id, &r.recipe_name, &r.recipe_version)
    {
        fields.push(("RECIPE_ID", id.to_string()));
        fields.push(("RECIPE", name.clone()));
        fields.push(("RECIPE_VERSION", version.clone()));
    }
    if let (Some(id), Some(name)) = (r.model_id, &r.model_name) {
        fields.push(("MODEL_ID", id.to_string()));
        fields.push(("MODEL", name.clone()));
    }
    fields
}
