//! `[alerts] command`: a command run for each alert a snapshot opens or
//! escalates (still firing, twice as far past its limit as when last
//! notified), with the alert as JSON on its standard input (enough for a
//! webhook or a chat post with `curl`). It runs after the change is
//! committed, under a time limit; a failure is logged and never undoes or
//! blocks the ingestion.

use crate::store::{Alert, Model};
use serde_json::json;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// The configured command and how long it may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notifier {
    /// Run by `sh -c`.
    pub command: String,
    pub timeout: Duration,
}

/// What a notified command reads on its standard input.
pub fn payload(event: &str, alert: &Alert, model: &Model) -> serde_json::Value {
    json!({
        "event": event,
        "alert": alert,
        "model": {"id": model.id, "name": model.name, "status": model.status},
    })
}

impl Notifier {
    /// Runs the command with `payload` on stdin; why it failed, if it did.
    pub async fn send(&self, payload: &serde_json::Value) -> Result<(), String> {
        let run = async {
            let mut child = Command::new("sh")
                .args(["-c", &self.command])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| format!("cannot start: {e}"))?;
            if let Some(mut stdin) = child.stdin.take() {
                let text = payload.to_string() + "\n";
                // A command that does not read its input is not a failure.
                let _ = stdin.write_all(text.as_bytes()).await;
            }
            let out = child
                .wait_with_output()
                .await
                .map_err(|e| format!("cannot wait: {e}"))?;
            match out.status.success() {
                true => Ok(()),
                false => Err(format!(
                    "{}: {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                )),
            }
        };
        match tokio::time::timeout(self.timeout, run).await {
            Ok(result) => result,
            Err(_) => Err(format!("still running after {:?}: stopped", self.timeout)),
        }
    }

    /// Sends each payload in turn; the failures, logged and returned for
    /// the caller to show (a warning line, or the app's status).
    pub async fn send_all(&self, payloads: &[serde_json::Value]) -> Vec<String> {
        let mut failures = Vec::new();
        for p in payloads {
            if let Err(e) = self.send(p).await {
                tracing::warn!(command = %self.command, "[alerts] command failed: {e}");
                failures.push(format!("[alerts] command failed: {e}"));
            }
        }
        failures
    }
}
