//! What every handler works with: the service, who acts, and the server's
//! own limits.

use crate::service::Service;
use crate::store::Store;
use std::time::Duration;

/// What every handler works with.
pub struct Api {
    pub service: Service,
    pub user: String,
    pub database_url: String,
    /// `Authorization: Bearer <token>` every request must carry, when set.
    pub(super) token: Option<String>,
    pub(super) guard: super::guard::Guard,
    /// How long a request body may stall.
    pub(super) idle_timeout: Duration,
}

impl Api {
    pub fn store(&self) -> &dyn Store {
        self.service.store()
    }
}
