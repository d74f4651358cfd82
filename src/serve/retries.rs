//! A client's retry of `runs/create` gets the run its first request made.
//! MLflow's client retries a call whose reply it did not read (a timeout, a
//! dropped connection); the request it sends again is byte for byte the
//! same, down to its `start_time` in milliseconds, so the request itself is
//! the key. Kept in memory for a while: a retry comes within seconds.

use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, MutexGuard};

/// How long a request is remembered: longer than any client's backoff.
const REMEMBERED_FOR: Duration = Duration::from_secs(600);

#[derive(Default)]
pub struct RecentCreates {
    runs: Mutex<HashMap<String, (i64, Instant)>>,
}

/// Held while one create runs, so a retry arriving meanwhile waits for it
/// and then finds its run.
pub struct CreateSlot<'a> {
    runs: MutexGuard<'a, HashMap<String, (i64, Instant)>>,
    key: String,
}

impl RecentCreates {
    /// The run an identical earlier request made, or the slot to record
    /// the one this request makes.
    pub async fn claim(
        &self,
        user: &str,
        request: &serde_json::Value,
    ) -> Result<i64, CreateSlot<'_>> {
        let mut runs = self.runs.lock().await;
        runs.retain(|_, (_, at)| at.elapsed() < REMEMBERED_FOR);
        let key = format!("{user}\n{request}");
        match runs.get(&key) {
            Some((id, _)) => Ok(*id),
            None => Err(CreateSlot { runs, key }),
        }
    }
}

impl CreateSlot<'_> {
    pub fn made(mut self, run_id: i64) {
        self.runs.insert(self.key, (run_id, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn the_same_request_again_finds_the_first_run() {
        let recent = RecentCreates::default();
        let request = json!({"experiment_id": "3", "start_time": 1764420000123_i64});
        let Err(slot) = recent.claim("ana", &request).await else {
            panic!("a first request has no run yet");
        };
        slot.made(41);
        assert_eq!(recent.claim("ana", &request).await.ok(), Some(41));
    }

    #[tokio::test]
    async fn another_start_time_or_user_is_another_run() {
        let recent = RecentCreates::default();
        let request = json!({"experiment_id": "3", "start_time": 1});
        if let Err(slot) = recent.claim("ana", &request).await {
            slot.made(41);
        }
        let later = json!({"experiment_id": "3", "start_time": 2});
        assert!(recent.claim("ana", &later).await.is_err());
        assert!(recent.claim("ben", &request).await.is_err());
    }

    #[tokio::test]
    async fn a_create_that_failed_leaves_nothing_behind() {
        let recent = RecentCreates::default();
        let request = json!({"experiment_id": "3"});
        drop(recent.claim("ana", &request).await);
        assert!(recent.claim("ana", &request).await.is_err());
    }
}
