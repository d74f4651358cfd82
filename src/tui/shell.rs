//! A user command (`[[commands]]`) run by `sh -c`, its output kept for
//! the raw view.

use super::inspect::Inspected;
use std::time::Duration;

/// How long a command may run before it is stopped.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);
/// The most output kept from each stream.
const OUTPUT_KEPT: usize = 256 * 1024;

/// Runs `command` by `sh -c` with `env` (and the database and user the app
/// uses, so `nexml` in it reads the same database), no input, under the
/// time limit: its output, whatever happened.
pub async fn run(
    title: &str,
    command: &str,
    env: &[(String, String)],
    database_url: &str,
    user: &str,
) -> Inspected {
    let started = tokio::process::Command::new("sh")
        .args(["-c", command])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("NEXML_DATABASE_URL", database_url)
        .env("NEXML_USER", user)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let text = match started {
        Err(e) => format!("cannot start sh: {e}"),
        Ok(child) => match tokio::time::timeout(TIME_LIMIT, child.wait_with_output()).await {
            Err(_) => format!("still running after {TIME_LIMIT:?}: stopped"),
            Ok(Err(e)) => format!("cannot wait for it: {e}"),
            Ok(Ok(out)) => format!(
                "{}{}\n[{}]",
                kept(&out.stdout),
                kept(&out.stderr),
                out.status
            ),
        },
    };
    Inspected {
        title: format!("{title} · $ {command}"),
        text,
    }
}

/// A stream's text, its start kept when it is long.
fn kept(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(OUTPUT_KEPT)];
    let mut text = String::from_utf8_lossy(shown).into_owned();
    if bytes.len() > OUTPUT_KEPT {
        text.push_str(&format!(
            "\n… {} more bytes not shown\n",
            bytes.len() - OUTPUT_KEPT
        ));
    }
    text
}
