//! The library's selected row, whichever kind its tab lists: one place
//! that knows what each kind's id, fields and raw view are.

use super::fields::{self, Fields};
use super::inspect::Inspected;
use crate::store::{Model, MonitorRow, Recipe, Run};

pub enum SelectedRow<'a> {
    Recipe(&'a Recipe),
    Model(&'a Model),
    Run(&'a Run),
    /// A model as the Monitoring tab shows it, with its latest snapshot.
    Monitored(&'a MonitorRow),
}

impl SelectedRow<'_> {
    pub fn id(&self) -> i64 {
        match self {
            SelectedRow::Recipe(r) => r.id,
            SelectedRow::Model(m) => m.id,
            SelectedRow::Run(r) => r.id,
            SelectedRow::Monitored(r) => r.model.id,
        }
    }

    /// What a user command reads.
    pub fn fields(&self) -> Fields {
        match self {
            SelectedRow::Recipe(r) => fields::recipe(r),
            SelectedRow::Model(m) => fields::model(m),
            SelectedRow::Run(r) => fields::run(r),
            SelectedRow::Monitored(r) => fields::model(&r.model),
        }
    }

    /// The row whole, as `i` shows it.
    pub fn inspected(&self) -> Inspected {
        match self {
            SelectedRow::Recipe(r) => Inspected::json(format!("recipe {} · {}", r.id, r.name), r),
            SelectedRow::Model(m) => Inspected::json(format!("model {} · {}", m.id, m.name), m),
            SelectedRow::Run(r) => Inspected::json(format!("run {}", r.id), r),
            SelectedRow::Monitored(r) => {
                Inspected::json(format!("model {} · {}", r.model.id, r.model.name), r)
            }
        }
    }
}
