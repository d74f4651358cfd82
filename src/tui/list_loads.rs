//! How each tab's rows are read: a window of a list, by its filters.

use super::filters::Filters;
use super::tab::Tab;
use crate::service::{ServiceError, ServiceResult};
use crate::store::{
    Model, ModelQuery, MonitorRow, Page, Recipe, RecipeQuery, Run, RunQuery, Store,
};
use std::future::Future;

#[derive(Debug, Clone, PartialEq)]
pub struct ListRequest {
    pub tab: Tab,
    /// A window of a list whose total is known: skip counting.
    pub skip_count: bool,
    pub generation: u64,
    pub offset: usize,
    pub limit: usize,
    pub reverse: bool,
    /// Start beside a loaded row (the Runs tab, ordered by id) instead of
    /// at `offset`, so scrolling through a million rows never counts them.
    pub keyset: Option<crate::store::Keyset>,
    pub window_start: usize,
    pub filters: Filters,
}

pub enum Rows {
    Recipes(Vec<Recipe>),
    Models(Vec<Model>),
    Runs(Vec<Run>),
    Monitoring(Vec<MonitorRow>),
}

impl Rows {
    pub fn len(&self) -> usize {
        match self {
            Rows::Recipes(r) => r.len(),
            Rows::Models(r) => r.len(),
            Rows::Runs(r) => r.len(),
            Rows::Monitoring(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A tab's rows as the store reads them (`tab::with_row_type!` says which).
pub trait ListSource: Sized + Send + 'static {
    /// A window of rows and how many match (negative: not counted).
    fn load(
        store: &dyn Store,
        req: &ListRequest,
    ) -> impl Future<Output = ServiceResult<(Vec<Self>, i64)>> + Send;
    fn into_rows(rows: Vec<Self>) -> Rows;
    fn from_rows(rows: Rows) -> Option<Vec<Self>>;
}

fn parse_status<T: std::str::FromStr>(status: &Option<String>) -> Option<T> {
    status.as_deref().and_then(|s| s.parse().ok())
}

/// The Models and Monitoring tabs' query: one filter set, two views.
fn model_query(req: &ListRequest) -> ModelQuery {
    let f = &req.filters;
    ModelQuery {
        family: f.family,
        status: parse_status(&f.status),
        recipe_id: f.recipe.as_ref().map(|r| r.0),
        owner: None,
        search: super::filters::non_empty(&f.search),
        sort: f.sort,
        limit: req.limit as i64,
        offset: req.offset as i64,
        reverse: req.reverse,
    }
}

impl ListSource for Recipe {
    async fn load(store: &dyn Store, req: &ListRequest) -> ServiceResult<(Vec<Self>, i64)> {
        let f = &req.filters;
        let Page { items, total } = store
            .list_recipes(&RecipeQuery {
                family: f.family,
                level: f.level,
                status: parse_status(&f.status),
                parent_id: None,
                search: super::filters::non_empty(&f.search),
                sort: f.sort,
                limit: req.limit as i64,
                offset: req.offset as i64,
                reverse: req.reverse,
                ..Default::default()
            })
            .await?;
        Ok((items, total))
    }
    fn into_rows(rows: Vec<Self>) -> Rows {
        Rows::Recipes(rows)
    }
    fn from_rows(rows: Rows) -> Option<Vec<Self>> {
        match rows {
            Rows::Recipes(r) => Some(r),
            _ => None,
        }
    }
}

impl ListSource for Model {
    async fn load(store: &dyn Store, req: &ListRequest) -> ServiceResult<(Vec<Self>, i64)> {
        let Page { items, total } = store.list_models(&model_query(req)).await?;
        Ok((items, total))
    }
    fn into_rows(rows: Vec<Self>) -> Rows {
        Rows::Models(rows)
    }
    fn from_rows(rows: Rows) -> Option<Vec<Self>> {
        match rows {
            Rows::Models(r) => Some(r),
            _ => None,
        }
    }
}

impl ListSource for Run {
    async fn load(store: &dyn Store, req: &ListRequest) -> ServiceResult<(Vec<Self>, i64)> {
        let f = &req.filters;
        let (search, filter, order_by) =
            super::filters::run_search(&f.search).map_err(ServiceError::invalid)?;
        let Page { items, total } = store
            .list_runs(&RunQuery {
                status: parse_status(&f.status),
                run_type: f.run_type,
                family: f.family,
                recipe_id: f.recipe.as_ref().map(|r| r.0),
                model_id: f.model.as_ref().map(|m| m.0),
                search,
                limit: req.limit as i64,
                offset: req.offset as i64,
                reverse: req.reverse,
                keyset: req.keyset,
                skip_count: req.skip_count,
                filter,
                order_by,
                deleted: None,
                experiment_ids: Vec::new(),
            })
            .await?;
        Ok((items, total))
    }
    fn into_rows(rows: Vec<Self>) -> Rows {
        Rows::Runs(rows)
    }
    fn from_rows(rows: Rows) -> Option<Vec<Self>> {
        match rows {
            Rows::Runs(r) => Some(r),
            _ => None,
        }
    }
}

impl ListSource for MonitorRow {
    async fn load(store: &dyn Store, req: &ListRequest) -> ServiceResult<(Vec<Self>, i64)> {
        let Page { items, total } = store.monitoring_overview(&model_query(req)).await?;
        Ok((items, total))
    }
    fn into_rows(rows: Vec<Self>) -> Rows {
        Rows::Monitoring(rows)
    }
    fn from_rows(rows: Rows) -> Option<Vec<Self>> {
        match rows {
            Rows::Monitoring(r) => Some(r),
            _ => None,
        }
    }
}
