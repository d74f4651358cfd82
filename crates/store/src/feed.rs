//! The change feed: every committed change, from any process, reaches every
//! open app. PostgreSQL hears `NOTIFY` on one channel (the service's unit of
//! work announces what it changed); SQLite polls `PRAGMA data_version` and,
//! when another connection has committed, reads the audit rows written since
//! (every change is audited, so they name what changed).

use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// The PostgreSQL channel changes are announced on.
pub const CHANNEL: &str = "nexml_changes";

/// How long the feed gathers changes before it hands them on, so a burst of
/// commits becomes one refresh.
pub const GATHER: Duration = Duration::from_millis(100);

/// How often SQLite's data version is read.
pub const POLL: Duration = Duration::from_millis(200);

/// One changed thing: an audited entity ("recipe", "run", "alert", ...) and
/// its id; `id` 0 means many of that entity (a bulk insert).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Change {
    pub entity: String,
    pub id: i64,
}

impl Change {
    pub fn new(entity: &str, id: i64) -> Change {
        Change {
            entity: entity.to_string(),
            id,
        }
    }

    /// Anything may have changed (a write the audit does not name, or a
    /// lost connection): everything on screen is read again.
    pub fn anything() -> Change {
        Change::new(ANYTHING, 0)
    }

    pub fn is_anything(&self) -> bool {
        self.entity == ANYTHING
    }

    /// Whether this change concerns `entity` (with `id`, or any id when `None`).
    pub fn touches(&self, entity: &str, id: Option<i64>) -> bool {
        self.is_anything()
            || (self.entity == entity && (id.is_none() || self.id == 0 || Some(self.id) == id))
    }
}

const ANYTHING: &str = "*";

/// PostgreSQL limits a payload to 8,000 bytes; past this a notification
/// says "many of these entities" instead of listing them.
const MAX_PAYLOAD: usize = 7_000;

/// `entity:id,entity:id`: compact, and what `decode` reads.
pub fn encode(changes: &[Change]) -> String {
    let mut out = String::new();
    for c in changes {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&format!("{}:{}", c.entity, c.id));
    }
    if out.len() <= MAX_PAYLOAD {
        return out;
    }
    let mut entities: Vec<&str> = changes.iter().map(|c| c.entity.as_str()).collect();
    entities.sort_unstable();
    entities.dedup();
    entities
        .iter()
        .map(|e| format!("{e}:0"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads a payload; anything unreadable means "anything changed".
pub fn decode(payload: &str) -> Vec<Change> {
    let parsed: Option<Vec<Change>> = payload
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|part| {
            let (entity, id) = part.rsplit_once(':')?;
            Some(Change::new(entity, id.parse().ok()?))
        })
        .collect();
    match parsed {
        Some(changes) if !changes.is_empty() => changes,
        _ => vec![Change::anything()],
    }
}

/// Changes as they arrive, in batches; ends when the store is gone.
pub struct ChangeFeed {
    receiver: UnboundedReceiver<Vec<Change>>,
}

impl ChangeFeed {
    pub fn new(receiver: UnboundedReceiver<Vec<Change>>) -> ChangeFeed {
        ChangeFeed { receiver }
    }

    /// The next batch, sorted and without repeats; `None` once the feed ended.
    pub async fn next(&mut self) -> Option<Vec<Change>> {
        self.receiver.recv().await
    }
}

/// Gathers what arrives within `GATHER` of the first change into one batch.
pub(crate) struct Gatherer {
    sender: UnboundedSender<Vec<Change>>,
}

impl Gatherer {
    pub(crate) fn new(sender: UnboundedSender<Vec<Change>>) -> Gatherer {
        Gatherer { sender }
    }

    /// Hands a batch on; false when nobody listens any more.
    pub(crate) fn send(&self, mut batch: Vec<Change>) -> bool {
        if batch.is_empty() {
            return !self.sender.is_closed();
        }
        if batch.iter().any(Change::is_anything) {
            batch = vec![Change::anything()];
        }
        batch.sort();
        batch.dedup();
        self.sender.send(batch).is_ok()
    }

    /// Whether every app stopped listening (the SQLite poller then stops).
    #[cfg(feature = "sqlite")]
    pub(crate) fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_garbage_means_anything() {
        let changes = vec![Change::new("run", 12), Change::new("recipe_version", 3)];
        assert_eq!(decode(&encode(&changes)), changes);
        assert_eq!(decode("nonsense"), vec![Change::anything()]);
        assert_eq!(decode(""), vec![Change::anything()]);
    }

    #[test]
    fn a_huge_batch_becomes_one_change_per_entity() {
        let changes: Vec<Change> = (1..5_000).map(|i| Change::new("run", i)).collect();
        assert_eq!(decode(&encode(&changes)), vec![Change::new("run", 0)]);
    }

    #[test]
    fn touches_matches_entity_and_id_and_many() {
        assert!(Change::new("run", 3).touches("run", Some(3)));
        assert!(!Change::new("run", 3).touches("run", Some(4)));
        assert!(Change::new("run", 0).touches("run", Some(4)));
        assert!(Change::new("run", 3).touches("run", None));
        assert!(!Change::new("model", 3).touches("run", None));
        assert!(Change::anything().touches("recipe", Some(1)));
    }
}
