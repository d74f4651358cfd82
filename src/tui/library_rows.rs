//! How the library treats a row of each tab: as the selection, found by
//! name from `:`, opened, and what a new one starts from.

use super::effects::Effect;
use super::forms::FormRequest;
use super::lists::RowId;
use super::screens::{self, ModelSection, Screen};
use super::selected::SelectedRow;
use crate::store::{Model, MonitorRow, Recipe, Run};

/// A tab's row in the library (`tab::with_row_type!` says which).
pub trait LibraryRow: RowId {
    /// The row as the library's selection.
    fn selected(&self) -> SelectedRow<'_>;
    /// The name `:` finds it by, when rows are found by name.
    fn name(&self) -> Option<&str> {
        None
    }
    /// The screen a row opens.
    fn open(id: i64) -> (Screen, Vec<Effect>);
    /// What `n` opens here, or where a new row comes from instead.
    fn new_item() -> Result<FormRequest, &'static str>;
}

impl LibraryRow for Recipe {
    fn selected(&self) -> SelectedRow<'_> {
        SelectedRow::Recipe(self)
    }
    fn name(&self) -> Option<&str> {
        Some(&self.name)
    }
    fn open(id: i64) -> (Screen, Vec<Effect>) {
        screens::recipe::open(id)
    }
    fn new_item() -> Result<FormRequest, &'static str> {
        Ok(FormRequest::CreateRecipe)
    }
}

impl LibraryRow for Model {
    fn selected(&self) -> SelectedRow<'_> {
        SelectedRow::Model(self)
    }
    fn name(&self) -> Option<&str> {
        Some(&self.name)
    }
    fn open(id: i64) -> (Screen, Vec<Effect>) {
        screens::model::open(id, ModelSection::Overview)
    }
    fn new_item() -> Result<FormRequest, &'static str> {
        Ok(FormRequest::PickRecipeToRegister)
    }
}

impl LibraryRow for Run {
    fn selected(&self) -> SelectedRow<'_> {
        SelectedRow::Run(self)
    }
    // Runs are found by number (`:run 42`), not by name.
    fn open(id: i64) -> (Screen, Vec<Effect>) {
        screens::run::open(id)
    }
    fn new_item() -> Result<FormRequest, &'static str> {
        Ok(FormRequest::CreateRun {
            recipe_id: None,
            model_id: None,
        })
    }
}

impl LibraryRow for MonitorRow {
    fn selected(&self) -> SelectedRow<'_> {
        SelectedRow::Monitored(self)
    }
    fn name(&self) -> Option<&str> {
        Some(&self.model.name)
    }
    fn open(id: i64) -> (Screen, Vec<Effect>) {
        screens::model::open(id, ModelSection::Monitoring)
    }
    fn new_item() -> Result<FormRequest, &'static str> {
        Err("open a model (enter) and press S to add a snapshot")
    }
}
