//! What every subcommand is handed.

use crate::config::Config;
use crate::store::Store;
use std::sync::Arc;

/// What every subcommand needs.
pub struct Context {
    pub store: Arc<dyn Store>,
    /// Every change goes through here.
    pub service: crate::service::Service,
    pub user: String,
    pub json: bool,
    pub config: Config,
    /// The database's URL, for jobs a run executes.
    pub database_url: String,
}
