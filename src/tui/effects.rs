//! I/O the update function asks for, as data, and the task runner that does it
//! and sends the answers back as messages. The newest list request per tab
//! wins: an older one still queued is skipped, and an older answer dropped.

use super::state::{Filters, ModelDetail, RecipeDetail, Tab};
use crate::store::{Model, Page};
use crate::store::{
    ModelQuery, MonitorRow, Recipe, RecipeQuery, Run, RunQuery, Store, StoreResult,
};
use crossterm::event::{KeyEvent, MouseEvent};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc::UnboundedSender;

#[derive(Debug, Clone, PartialEq)]
pub struct ListRequest {
    pub tab: Tab,
    pub generation: u64,
    pub offset: usize,
    pub limit: usize,
    pub reverse: bool,
    pub window_start: usize,
    pub filters: Filters,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadList(ListRequest),
    LoadRecipe(i64),
    LoadModel(i64),
    LoadRun(i64),
    /// Put text on the clipboard (OSC 52, works over SSH).
    Copy(String),
}

pub enum Rows {
    Recipes(Vec<Recipe>),
    Models(Vec<Model>),
    Runs(Vec<Run>),
    Monitoring(Vec<MonitorRow>),
}

pub enum Loaded {
    List {
        tab: Tab,
        generation: u64,
        window_start: usize,
        rows: Rows,
        total: usize,
        unfiltered: bool,
    },
    Recipe(i64, Box<RecipeDetail>),
    Model(i64, Box<ModelDetail>),
    Run(i64, Box<Run>),
    Failed(String),
}

pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Once a second: followed logs and open screens poll for changes.
    Tick,
    Loaded(Loaded),
}

/// Runs effects on tokio tasks against the store.
#[derive(Clone)]
pub struct Runner {
    store: Arc<dyn Store>,
    tx: UnboundedSender<Msg>,
    newest: Arc<[AtomicU64; 4]>,
}

impl Runner {
    pub fn new(store: Arc<dyn Store>, tx: UnboundedSender<Msg>) -> Runner {
        Runner {
            store,
            tx,
            newest: Arc::new(Default::default()),
        }
    }

    /// Starts an effect; its answer arrives later as a `Msg::Loaded`.
    pub fn spawn(&self, effect: Effect) {
        if let Effect::LoadList(req) = &effect {
            self.newest[req.tab.index()].store(req.generation, Ordering::SeqCst);
        }
        let runner = self.clone();
        tokio::spawn(async move {
            if let Effect::LoadList(req) = &effect {
                // A newer request for this tab was made meanwhile: skip this one.
                if runner.newest[req.tab.index()].load(Ordering::SeqCst) != req.generation {
                    return;
                }
            }
            let loaded = perform(runner.store.as_ref(), effect).await;
            let _ = runner.tx.send(Msg::Loaded(loaded));
        });
    }
}

/// Does one effect's I/O; the one place the app touches the store.
pub async fn perform(store: &dyn Store, effect: Effect) -> Loaded {
    let result = match effect {
        Effect::LoadList(req) => load_list(store, req).await,
        Effect::LoadRecipe(id) => load_recipe(store, id)
            .await
            .map(|d| Loaded::Recipe(id, Box::new(d))),
        Effect::LoadModel(id) => load_model(store, id)
            .await
            .map(|d| Loaded::Model(id, Box::new(d))),
        Effect::LoadRun(id) => store.run(id).await.map(|r| Loaded::Run(id, Box::new(r))),
        Effect::Copy(_) => return Loaded::Failed("copy is done by the terminal loop".into()),
    };
    result.unwrap_or_else(|e| Loaded::Failed(e.to_string()))
}

fn parse_status<T: std::str::FromStr>(status: &Option<String>) -> Option<T> {
    status.as_deref().and_then(|s| s.parse().ok())
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

async fn load_list(store: &dyn Store, req: ListRequest) -> StoreResult<Loaded> {
    let f = &req.filters;
    let (limit, offset) = (req.limit as i64, req.offset as i64);
    let (rows, total): (Rows, i64) = match req.tab {
        Tab::Recipes => {
            let Page { items, total } = store
                .list_recipes(&RecipeQuery {
                    family: f.family,
                    level: f.level,
                    status: parse_status(&f.status),
                    parent_id: None,
                    search: non_empty(&f.search),
                    limit,
                    offset,
                    reverse: req.reverse,
                })
                .await?;
            (Rows::Recipes(items), total)
        }
        Tab::Models | Tab::Monitoring => {
            let query = ModelQuery {
                family: f.family,
                status: parse_status(&f.status),
                recipe_id: f.recipe.as_ref().map(|r| r.0),
                owner: None,
                search: non_empty(&f.search),
                limit,
                offset,
                reverse: req.reverse,
            };
            if req.tab == Tab::Models {
                let Page { items, total } = store.list_models(&query).await?;
                (Rows::Models(items), total)
            } else {
                let Page { items, total } = store.monitoring_overview(&query).await?;
                (Rows::Monitoring(items), total)
            }
        }
        Tab::Runs => {
            let Page { items, total } = store
                .list_runs(&RunQuery {
                    status: parse_status(&f.status),
                    run_type: None,
                    family: f.family,
                    recipe_id: f.recipe.as_ref().map(|r| r.0),
                    model_id: f.model.as_ref().map(|m| m.0),
                    search: non_empty(&f.search),
                    limit,
                    offset,
                    reverse: req.reverse,
                })
                .await?;
            (Rows::Runs(items), total)
        }
    };
    Ok(Loaded::List {
        tab: req.tab,
        generation: req.generation,
        window_start: req.window_start,
        rows,
        total: total.max(0) as usize,
        unfiltered: f.is_empty(),
    })
}

async fn load_recipe(store: &dyn Store, id: i64) -> StoreResult<RecipeDetail> {
    let recipe = store.recipe(id).await?;
    let mut ancestors = Vec::new();
    let mut parent = recipe.parent_id;
    while let Some(pid) = parent {
        let p = store.recipe(pid).await?;
        parent = p.parent_id;
        ancestors.insert(0, p);
    }
    Ok(RecipeDetail {
        children: store.children(id).await?,
        versions: store.versions(id).await?,
        example: store.example(id).await?,
        ancestors,
        recipe,
    })
}

async fn load_model(store: &dyn Store, id: i64) -> StoreResult<ModelDetail> {
    Ok(ModelDetail {
        model: store.model(id).await?,
        history: store.audit("model", id).await?,
        snapshots: store.snapshots(id, 90).await?,
    })
}
